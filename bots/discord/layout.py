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

from bots.discord import texts
from bots.discord.rest import Upload
from bots.discord.texts import escape
from mathbot import messages, present, render
from mathbot.errors import MathbotError
from mathbot.outcome import Answer, Progress
from mathbot.present import clip
from mathbot.study import cards as study_cards
from mathbot.study import texts as study_texts

log = logging.getLogger(__name__)

CONTENT_LIMIT = texts.CONTENT_LIMIT
"""Characters of content in one Discord message."""

EMBED_DESCRIPTION_LIMIT = 4096
"""Characters in one embed's description."""

THREAD_NAME_LIMIT = 100
"""Characters in a thread name (at least 1)."""

MAX_FORMULA_IMAGES = 4
"""Display formulas of an answer attached as PNG images (the rest stay as text)."""

MAX_MESSAGES = 10
"""Messages one answer may take in the thread (as on Slack): a longer solution is cut, and the whole of
it is attached as SOLUTION_FILENAME."""

SOLUTION_FILENAME = "solution.md"
"""The whole solution, attached to an answer too long to post whole."""


@dataclass(frozen=True)
class ButtonSpec:
    """One of mathbot's buttons: its constant `custom_id` (the question is found by the message the button
    sits on, so a button needs no per-message state and outlives an adapter restart), look and label."""

    kind: str
    custom_id: str
    emoji: str
    style: int
    """Discord's button style: 1 primary (blurple), 2 secondary (grey)."""

    def component(self, label: str) -> dict[str, Any]:
        return {
            "type": 2,
            "style": self.style,
            "label": label,
            "emoji": {"name": self.emoji},
            "custom_id": self.custom_id,
        }


CANCEL = ButtonSpec("cancel", "mathbot:cancel", "\N{OCTAGONAL SIGN}", 2)
"""On a queued or running question's placeholder; every other edit sends no components, which removes it."""

RETRY = ButtonSpec("retry", "mathbot:retry", "\N{CLOCKWISE RIGHTWARDS AND LEFTWARDS OPEN CIRCLE ARROWS}", 1)
"""On a truncated answer's first message, and on an error that asking again could fix."""

VOTE = ButtonSpec("vote", "mathbot:vote", "\N{BALLOT BOX WITH BALLOT}", 2)
"""On a complete one-sample answer: ask again with N samples at once and show the majority's answer."""

STUDY_BUTTONS = tuple(
    ButtonSpec(
        kind, f"mathbot:{kind}", study_texts.ACTION_EMOJI[kind], 1 if kind in ("submit", "check") else 2
    )
    for kind in study_cards.ACTIONS
)
"""The study cards' buttons (Hint, Show answer, ...): their custom id adds the card's ref
(`mathbot:<kind>:<ref>`, `bots.discord.study.button`)."""

BUTTONS = {spec.kind: spec for spec in (CANCEL, RETRY, VOTE, *STUDY_BUTTONS)}

CANCEL_ID, RETRY_ID, VOTE_ID = CANCEL.custom_id, RETRY.custom_id, VOTE.custom_id


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
    return [_action_row(CANCEL.component(texts.CANCEL_LABEL))]


def retry_components() -> list[dict[str, Any]]:
    """The "🔁 Try again" button as message components, on a truncated answer's first message and on an
    error that asking again could fix (`MathbotError.asking_again_helps`)."""
    return [_action_row(RETRY.component(texts.RETRY_LABEL))]


def vote_components(samples: int) -> list[dict[str, Any]]:
    """The "🗳 Check with N samples" button, on a complete answer drawn from one sample."""
    return [_action_row(VOTE.component(present.vote_label(samples)))]


def _action_row(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(buttons)}


def progress_text(progress: Progress) -> str:
    """The placeholder while the model works: phase, tokens, elapsed time, and what it is doing."""
    return present.progress_text(progress, texts.STYLE)


def error_text(user_message: str) -> str:
    """A failed question, in plain words."""
    return clip("⚠️ " + render.neutralize_mentions(user_message, "discord"), CONTENT_LIMIT)


def error_part(error: MathbotError) -> Part:
    """The message that replaces the placeholder of a failed question: the error in plain words, with
    "Try again" when asking again could help."""
    buttons = tuple(retry_components()) if error.asking_again_helps else ()
    return Part(error_text(error.user_message), components=buttons)


def answer_parts(
    answer: Answer,
    *,
    follow_up: str = texts.FOLLOW_UP,
    images: bool = True,
    attach: bool = True,
    vote_samples: int = 0,
) -> list[Part]:
    """The answer as Discord messages: the final answer marked on top, the solution split under the
    content limit, formula images and the full reasoning attached to the last message; a truncated
    answer's first message carries "Try again", a complete one-sample answer "Check with
    `vote_samples` samples" (when > 1). At most MAX_MESSAGES messages: the solution of a longer answer
    is cut after MAX_MESSAGES - 1 of them, and the last one says so, with the whole solution attached.
    Without `attach` (mathbot may not attach files in that channel) there are no files and the footer
    says why the reasoning is missing."""
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
    footer = present.stats(answer)[:2]
    if answer.reasoning.strip() and not attach:
        footer.append(texts.NO_ATTACHMENTS)
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
    head = "\n".join(top) + ("\n\n" + body if body else "")
    text = head + "\n\n-# " + " · ".join(footer)
    chunks = _chunks(text)
    if len(chunks) > MAX_MESSAGES:  # the footer, with the note, becomes the last message
        shown = _chunks(head)
        left_out = sum(len(chunk) for chunk in shown[MAX_MESSAGES - 1 :])
        if attach:
            files.append(_solution_file(answer))
        note = texts.solution_cut(left_out, SOLUTION_FILENAME if attach else None)
        chunks = [*shown[: MAX_MESSAGES - 1], clip(f"-# {note}\n-# " + " · ".join(footer), CONTENT_LIMIT)]
    parts = [Part(chunk) for chunk in chunks] or [Part(clip(text, CONTENT_LIMIT))]
    parts[-1] = replace(parts[-1], files=tuple(files))
    if answer.truncated:
        parts[0] = replace(parts[0], components=tuple(retry_components()))
    elif present.offers_vote(answer, vote_samples):
        parts[0] = replace(parts[0], components=tuple(vote_components(vote_samples)))
    return parts


def _chunks(text: str) -> list[str]:
    """`text` split into messages under the content limit (at paragraph boundaries, never inside math)."""
    return [
        clip(chunk, CONTENT_LIMIT) for chunk in render.split_message(text, CONTENT_LIMIT) if chunk.strip()
    ]


def _solution_file(answer: Answer) -> Upload:
    """The whole solution as the model wrote it (Markdown and LaTeX), under the problem it answers."""
    quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in answer.question.strip().split("\n"))
    text = f"# Solution\n\n**Problem**\n\n{quoted}\n\n---\n\n{answer.solution.strip()}\n"
    return Upload(
        SOLUTION_FILENAME, text.encode("utf-8"), _content_type(SOLUTION_FILENAME), "the whole solution"
    )


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
    return clip(plain, THREAD_NAME_LIMIT) or texts.DEFAULT_THREAD_NAME


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
