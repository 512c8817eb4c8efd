"""How a question looks on Discord, as pure functions: placeholder, progress, answer messages, errors.

Discord limits: 2,000 characters of content a message, 10 attachments a message, thread names of
1-100 characters, embed descriptions of 4,096. The answer is plain Discord markdown (readable with
embeds turned off), split under the content limit; the full reasoning goes in an attached file.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Any

from bots.discord.rest import Upload
from mathbot import messages, render
from mathbot.errors import Cancelled, InputError, MathbotError
from mathbot.outcome import Answer, Progress

log = logging.getLogger(__name__)

CONTENT_LIMIT = 2000
"""Characters of content in one Discord message."""

EMBED_DESCRIPTION_LIMIT = 4096
"""Characters in one embed's description."""

THREAD_NAME_LIMIT = 100
"""Characters in a thread name (at least 1)."""

MAX_FORMULA_IMAGES = 4
"""Display formulas of an answer attached as PNG images (the rest stay as text)."""

SNIPPET_CHARS = 160
"""Characters of the model's current reasoning shown under the progress line."""

RECEIVED = "Received — queueing…"
"""The placeholder before the question is safely on the queue."""

DEFAULT_THREAD_NAME = "Math problem"

NO_ATTACHMENTS = "reasoning not attached: mathbot lacks the Attach Files permission here"
"""Footer of an answer delivered without its files, because Discord refused them (50013)."""

FOLLOW_UP = "Reply in this thread to ask a follow-up."
FOLLOW_UP_MENTION = "Mention me in this thread to ask a follow-up."
FOLLOW_UP_DM = "Reply to this message (Discord's Reply) to ask a follow-up."
MENTION_HINT = (
    "I can only read messages in this thread that mention me: start your follow-up with a mention of mathbot."
)
"""Said once per thread when a follow-up arrives empty because the Message Content intent is off."""

CANNOT_POST = (
    "mathbot cannot post in this channel, so it cannot answer here. A server admin can give it "
    "*View Channel* and *Send Messages* (or *Create Public Threads* and *Send Messages in Threads*) in "
    "this channel; until then, use /solve in another channel or in a DM with mathbot."
)
"""Told privately to whoever uses /solve (or "Try again") where mathbot may not post."""

CANCEL_ID = "mathbot:cancel"
"""`custom_id` of the cancel button; the adapter finds the question by the message the button is on."""

CANCEL_LABEL = "Cancel"
CANCEL_EMOJI = "\N{OCTAGONAL SIGN}"

CANCEL_REFUSED = {
    "not_yours": "Only the person who asked this question can cancel it.",
    "finished": "This question is already finished: there is nothing left to cancel.",
    "unknown": "There is no queued or running question on this message to cancel.",
    "unavailable": "mathbot could not reach its queue to cancel this question. Please try again in a minute.",
}
"""What a click on the cancel button tells the clicker (only them) when it cancels nothing, by outcome."""

RETRY_ID = "mathbot:retry"
"""`custom_id` of the "Try again" button; like the cancel button, the question is found by the message
the button is on (the question's placeholder, which became its answer or error)."""

RETRY_LABEL = "Try again"
RETRY_EMOJI = "\N{CLOCKWISE RIGHTWARDS AND LEFTWARDS OPEN CIRCLE ARROWS}"

RETRY_REFUSED = {
    "not_yours": "Only the person who asked can retry.",
    "already": "This question is already being asked again: see the newest answer below.",
    "gone": "This question is no longer stored, so it cannot be asked again. Please ask it anew.",
    "unavailable": "mathbot could not reach its queue to ask again. Please try again in a minute.",
    "unpostable": CANNOT_POST,
}
"""What a click on "Try again" tells the clicker (only them) when it asks nothing again, by outcome."""

VOTE_ID = "mathbot:vote"
"""`custom_id` of the "Check with N samples" button on an answer: the question is asked again with N
samples at once, and the majority's answer is shown (found, like "Try again", by the message)."""

VOTE_EMOJI = "\N{BALLOT BOX WITH BALLOT}"

VOTE_REFUSED = {
    **RETRY_REFUSED,
    "not_yours": "Only the person who asked can check this answer with more samples.",
    "already": "This answer is already being checked: see the newest answer below.",
}
"""What a click on "Check with N samples" tells the clicker (only them) when it asks nothing."""


def vote_label(samples: int) -> str:
    return f"Check with {samples} samples"


PHASES = {
    "starting": "Starting",
    "thinking": "Thinking",
    "answering": "Writing the answer",
    "retrying": "Retrying",
    "queued": "Queued",
}


@dataclass(frozen=True)
class Part:
    """One Discord message of a reply."""

    content: str
    files: tuple[Upload, ...] = ()
    components: tuple[dict[str, Any], ...] = ()
    """Action rows (buttons) of the message; none removes any it had."""


def cancel_components() -> list[dict[str, Any]]:
    """The cancel button as message components (one action row), shown while a question is queued or
    running; every other edit sends no components, which removes it."""
    return [_action_row(_button(CANCEL_LABEL, CANCEL_EMOJI, CANCEL_ID, style=2))]  # 2: secondary (grey)


def retry_components() -> list[dict[str, Any]]:
    """The "🔁 Try again" button as message components, on a truncated answer's first message and on an
    error that asking again could fix (`retry_helps`)."""
    return [_action_row(_button(RETRY_LABEL, RETRY_EMOJI, RETRY_ID, style=1))]  # 1: primary (blurple)


def vote_components(samples: int) -> list[dict[str, Any]]:
    """The "🗳 Check with N samples" button, on a complete answer drawn from one sample."""
    return [_action_row(_button(vote_label(samples), VOTE_EMOJI, VOTE_ID, style=2))]


def retry_helps(error: MathbotError) -> bool:
    """Whether asking the same question again could succeed: not for the question itself being the
    problem (empty, too long), nor for a cancelled one. Server failures, a lost worker and the time
    limit may well pass (the same rule as Slack's "Try again")."""
    return not isinstance(error, InputError | Cancelled)


def _button(label: str, emoji: str, custom_id: str, *, style: int) -> dict[str, Any]:
    return {"type": 2, "style": style, "label": label, "emoji": {"name": emoji}, "custom_id": custom_id}


def _action_row(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(buttons)}


def duration(seconds: float) -> str:
    """`1:05` for 65 seconds."""
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def progress_text(progress: Progress) -> str:
    """The placeholder while the model works: phase, tokens, elapsed time, and what it is doing."""
    if progress.phase == "queued" and progress.position is not None:
        return messages.queued(progress.position)
    head = [f"**{PHASES.get(progress.phase, progress.phase.capitalize())}…**"]
    if progress.tokens:
        head.append(f"{progress.tokens:,} tokens")
    if progress.elapsed:
        head.append(duration(progress.elapsed))
    lines = [" · ".join(head)]
    if progress.votes:
        lines.append(escape(progress.votes))
    if progress.detail:
        lines.append(render.neutralize_mentions(progress.detail, "discord"))
    elif progress.snippet:
        snippet = render.snippet(progress.snippet, SNIPPET_CHARS)  # one line, markup characters defused
        if snippet:
            lines.append("> " + render.neutralize_mentions(snippet, "discord"))
    return clip("\n".join(lines), CONTENT_LIMIT)


def error_text(user_message: str) -> str:
    """A failed question, in plain words."""
    return clip("⚠️ " + render.neutralize_mentions(user_message, "discord"), CONTENT_LIMIT)


def error_part(error: MathbotError) -> Part:
    """The message that replaces the placeholder of a failed question: the error in plain words, with
    "Try again" when asking again could help."""
    buttons = tuple(retry_components()) if retry_helps(error) else ()
    return Part(error_text(error.user_message), components=buttons)


def answer_parts(
    answer: Answer,
    *,
    follow_up: str = FOLLOW_UP,
    images: bool = True,
    attach: bool = True,
    vote_samples: int = 0,
) -> list[Part]:
    """The answer as Discord messages: the final answer marked on top, the solution split under the
    content limit, formula images and the full reasoning attached to the last message; a truncated
    answer's first message carries "Try again", a complete one-sample answer "Check with
    `vote_samples` samples" (when > 1). Without `attach` (mathbot may not attach files in that
    channel) there are no files and the footer says why the reasoning is missing."""
    card = render.answer_card(
        answer.final, answer.question, truncated=answer.truncated, vote=answer.vote, rescued=answer.rescued
    )
    top = [f"## {escape(card.headline)}"]
    if card.note:
        top.append(f"-# {escape(card.note)}")
    if answer.truncated:
        top.append(messages.TRUNCATED)
    if answer.dropped_turns:
        top.append(f"-# {messages.dropped_turns(answer.dropped_turns)}")
    body = render.to_text(answer.solution, "discord").strip() if answer.solution.strip() else ""
    files = _formula_images(answer.solution) if images and attach and body else []
    footer = [
        messages.tokens_used(answer.completion_tokens, answer.vote),
        f"thought for {duration(answer.thinking_seconds)}",
    ]
    if answer.reasoning.strip() and not attach:
        footer.append(NO_ATTACHMENTS)
    elif answer.reasoning.strip():
        name, data = render.reasoning_file(
            answer.reasoning,
            tokens=answer.completion_tokens,
            seconds=answer.thinking_seconds,
            problem=answer.question,
        )
        files.append(Upload(name, data, _content_type(name), "the model's full reasoning"))
        footer.append("full reasoning attached")
    if follow_up:
        footer.append(follow_up)
    text = "\n".join(top) + ("\n\n" + body if body else "") + "\n\n-# " + " · ".join(footer)
    chunks = [
        clip(chunk, CONTENT_LIMIT) for chunk in render.split_message(text, CONTENT_LIMIT) if chunk.strip()
    ]
    parts = [Part(chunk) for chunk in chunks] or [Part(clip(text, CONTENT_LIMIT))]
    parts[-1] = replace(parts[-1], files=tuple(files))
    if answer.truncated:
        parts[0] = replace(parts[0], components=tuple(retry_components()))
    elif answer.final is not None and answer.vote is None and vote_samples > 1:
        parts[0] = replace(parts[0], components=tuple(vote_components(vote_samples)))
    return parts


def problem_post(problem: str, asker: str) -> tuple[str, list[dict[str, str]]]:
    """The visible message for `/solve` (content, embeds): the asker's name and the problem quoted."""
    who = render.neutralize_mentions(asker, "discord").replace("*", "")
    shown = render.to_text(problem, "discord").strip()
    head = f"**{who}** asked:"
    if len(head) + len(shown) + 5 <= CONTENT_LIMIT:
        return f"{head}\n>>> {shown}", []
    return head, [{"description": clip(shown, EMBED_DESCRIPTION_LIMIT)}]


def thread_name(problem: str) -> str:
    """A thread name (1-100 chars) from the problem: its first words, as plain text, mentions defused
    (a name pings nobody, but it is shown where mentions are: keep it looking inert)."""
    plain = render.to_text(problem, "console")
    plain = render.neutralize_mentions(re.sub(r"\s+", " ", plain).strip(), "discord")
    return clip(plain, THREAD_NAME_LIMIT) or DEFAULT_THREAD_NAME


def escape(text: str) -> str:
    """Plain text shown literally in Discord markdown (markup characters escaped, mentions defused)."""
    return render.neutralize_mentions(_MARKUP.sub(r"\\\1", text), "discord")


_MARKUP = re.compile(r"([*_~|`\\])")


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a word boundary when one is near, with `…`."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip() + "…"


def _formula_images(solution: str) -> list[Upload]:
    files: list[Upload] = []
    for latex in render.display_blocks(solution)[:MAX_FORMULA_IMAGES]:
        try:
            png = render.render_png(latex)
        except Exception:  # a renderer bug must never cost the answer
            log.warning("formula image failed for %r", latex[:80], exc_info=True)
            png = None
        if png:
            files.append(Upload(f"formula-{len(files) + 1}.png", png, "image/png", latex[:1000]))
    return files


def _content_type(filename: str) -> str:
    if filename.endswith(".md"):
        return "text/markdown; charset=utf-8"
    return "text/plain; charset=utf-8"
