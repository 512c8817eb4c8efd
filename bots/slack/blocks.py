"""Pure formatting for Slack: progress lines, answers split into messages of Block Kit, errors, quotes.

Slack's limits shape everything here: 3,000 chars a section, 150 a header, 50 blocks a message and
~4,000 chars of `text` before `msg_too_long`. Every text built from user or model words is escaped
(`&`, `<`, `>`), which also makes Slack's `<@U…>`/`<!channel>` syntax impossible: nothing pings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bots.slack import texts
from mathbot import messages, present, render
from mathbot.errors import MathbotError
from mathbot.outcome import Answer, Progress
from mathbot.present import clip

SECTION_LIMIT = 2900
"""Characters of one section block's mrkdwn (Slack allows 3,000)."""

HEADER_LIMIT = 150
"""Characters of a header block's plain text (Slack's limit)."""

CONTEXT_LIMIT = 1900
"""Characters of one context element (Slack allows 2,000)."""

MESSAGE_TEXT_LIMIT = texts.STYLE.limit
"""Characters of a message's `text` (longer ones fail with msg_too_long in practice)."""

MAX_BLOCKS = 50
"""Blocks in one message (Slack's limit)."""

MAX_MESSAGES = 10
"""Messages one answer may take in the thread; a longer solution is cut, with a note."""

QUOTE_LIMIT = 2500
"""Characters of the problem quoted in /solve's root message."""

_CONTROL_OPEN = re.compile(r"<(?=[@!#])")

REASONING_ACTION = "mathbot_reasoning"
RETRY_ACTION = "mathbot_retry"
VOTE_ACTION = "mathbot_vote"
CANCEL_ACTION = "mathbot_cancel"


@dataclass(frozen=True)
class Message:
    """One Slack message: the `text` (notifications, fallback) and its blocks."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


def escape(text: str) -> str:
    """Plain words shown literally: Slack's `&<>` escaped (no mention, link or broadcast can form)."""
    return render.escape_plain(text, "slack")


def safe(text: str) -> str:
    """Raw words (model or user) as mrkdwn that cannot ping: escaped, and `@channel` & co. defused."""
    return texts.STYLE.escape(text)


def safe_plain(text: str) -> str:
    """Raw words for a plain_text field: Slack parses no markup there, but `<@`, `<!`, `<#` still
    become `‹@`… (belt and braces: an entity would show literally) and `@channel` & co. are defused."""
    return render.neutralize_mentions(_CONTROL_OPEN.sub("‹", text), "console")


def action_value(channel: str, ts: str) -> str:
    """The value the buttons of an answer carry: the message that holds the answer."""
    return f"{channel}|{ts}"


def parse_action_value(value: str) -> tuple[str, str] | None:
    channel, _, ts = (value or "").partition("|")
    return (channel, ts) if channel and ts else None


def section(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(mrkdwn, SECTION_LIMIT)}}


def context(*lines: str) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": clip(line, CONTEXT_LIMIT)} for line in lines[:10]],
    }


def button(label: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def actions(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "elements": list(buttons)}


def progress_text(progress: Progress) -> str:
    """The placeholder while the model works: `*Thinking…* · 1,234 tokens · 0:42` and a snippet."""
    return present.progress_text(progress, texts.STYLE)


def cancel_button(value: str) -> dict[str, Any]:
    """ "Cancel", with Slack's own confirmation dialog in front of it (a stray click costs the answer)."""
    element = button(texts.CANCEL, CANCEL_ACTION, value, style="danger")
    element["confirm"] = {
        "title": {"type": "plain_text", "text": texts.CANCEL_CONFIRM_TITLE},
        "text": {"type": "plain_text", "text": texts.CANCEL_CONFIRM_TEXT},
        "confirm": {"type": "plain_text", "text": texts.CANCEL_CONFIRM_YES},
        "deny": {"type": "plain_text", "text": texts.CANCEL_CONFIRM_NO},
        "style": "danger",
    }
    return element


def pending(text: str, value: str) -> Message:
    """The placeholder of a queued or running question: `text` (mrkdwn) and a "Cancel" button."""
    return Message(clip(text, MESSAGE_TEXT_LIMIT), [section(text), actions(cancel_button(value))])


def progress_message(progress: Progress, value: str) -> Message:
    """The placeholder while the model works (see `progress_text`), with its "Cancel" button."""
    return pending(progress_text(progress), value)


def cancelled() -> Message:
    """The placeholder of a cancelled question: the words only, no buttons."""
    return Message(escape(messages.CANCELLED))


def _headline_block(headline: str) -> dict[str, Any]:
    if len(headline) <= HEADER_LIMIT:
        return {
            "type": "header",
            "text": {"type": "plain_text", "text": safe_plain(headline), "emoji": False},
        }
    return section(f"*{safe(headline)}*")


def _stats(answer: Answer) -> str:
    return " · ".join(present.stats(answer))


def answer_messages(answer: Answer, value: str, vote_samples: int = 0) -> list[Message]:
    """The final answer as Slack messages: the first replaces the placeholder, the rest follow it.

    The first opens with the headline ("Final answer: 70") and its notes, so the result is the first
    thing seen; the solution follows in sections split at paragraph boundaries; the last message
    carries the buttons ("Show reasoning"; "Try again" when the model ran out of room; "Check with
    `vote_samples` samples" on a complete answer drawn from one sample).
    """
    card = render.answer_card(
        answer.final, answer.question, truncated=answer.truncated, vote=answer.vote, rescued=answer.rescued
    )
    headline = card.headline
    notes = [safe(card.note)] if card.note else []
    if answer.truncated and messages.TRUNCATED not in (card.note or ""):
        notes.append(messages.TRUNCATED)
    if answer.dropped_turns:
        notes.append(messages.dropped_turns(answer.dropped_turns))
    notes.append(_stats(answer))

    solution = render.to_text(answer.solution, "slack").strip() if answer.solution.strip() else ""
    chunks = render.split_message(solution, SECTION_LIMIT) if solution else []
    chunks = [c for c in chunks if c.strip()]
    cut = sum(len(c) for c in chunks[MAX_MESSAGES:])
    chunks = chunks[:MAX_MESSAGES]

    first_blocks = [_headline_block(headline), context(*notes)]
    if chunks:
        first_blocks += [{"type": "divider"}, section(chunks[0])]
    # The text is what notifications show, and what is sent alone if Slack ever refuses the blocks.
    fallback = "\n".join([safe(safe_plain(headline)), *notes[:-1]])
    fallback = clip(fallback + ("\n\n" + chunks[0] if chunks else ""), MESSAGE_TEXT_LIMIT)
    out = [Message(fallback, first_blocks)]
    out += [Message(clip(chunk, MESSAGE_TEXT_LIMIT), [section(chunk)]) for chunk in chunks[1:]]

    last = out[-1].blocks
    if cut:
        last.append(context(texts.solution_cut(cut)))
    buttons = []
    if answer.reasoning.strip():
        buttons.append(button(texts.SHOW_REASONING, REASONING_ACTION, value))
    if answer.truncated:
        buttons.append(button(texts.TRY_AGAIN, RETRY_ACTION, value, style="primary"))
    elif present.offers_vote(answer, vote_samples):
        buttons.append(button(present.vote_label(vote_samples), VOTE_ACTION, value))
    if buttons:
        last.append(actions(*buttons))
    return out


def error_message(error: MathbotError, value: str | None) -> Message:
    """A failed question, in plain words; "Try again" unless asking again cannot help."""
    text = f":warning: {safe(error.user_message)}"
    blocks = [section(text)]
    if value and error.asking_again_helps:
        blocks.append(actions(button(texts.TRY_AGAIN, RETRY_ACTION, value, style="primary")))
    return Message(clip(text, MESSAGE_TEXT_LIMIT), blocks)


def solve_root(name: str, problem: str) -> str:
    """The visible root message of /solve: who asked (a name, never a ping) and the problem, quoted."""
    quoted = clip(render.to_text(problem, "slack").strip(), QUOTE_LIMIT)
    lines = [("> " + line) if line.strip() else ">" for line in quoted.splitlines()] or [">"]
    return texts.asked_via_solve(safe(name)) + "\n" + "\n".join(lines)


def formulas_to_render(solution: str, limit: int) -> list[str]:
    """Displayed formulas worth an image (with commands, fractions, powers): the first `limit`, no repeats."""
    picked: list[str] = []
    for latex in render.display_blocks(solution):
        latex = latex.strip()
        if latex and latex not in picked and ("\\" in latex or "^{" in latex or "_{" in latex):
            picked.append(latex)
    return picked[:limit]
