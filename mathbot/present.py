"""How a question's progress and answer read, once for every platform; the platforms only decorate.

Each platform hands its `Style` (bold, escaping, quoting, its length limit) to these functions: the
words, their order and the numbers are the same on Slack, Discord and the console.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mathbot import messages, render
from mathbot.outcome import Answer, Progress

RECEIVED = "Received — queueing…"
"""A placeholder's first words, before its question is safely on the queue."""

PHASES = {
    "queued": "Queued",
    "starting": "Starting",
    "thinking": "Thinking",
    "answering": "Writing the answer",
    "retrying": "Retrying",
}
"""How each progress phase reads."""

SNIPPET_CHARS = 160
"""Characters of the model's current reasoning shown under the progress line."""


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Style:
    """A platform's decoration of shared words."""

    heading: Callable[[str], str]
    """The phase label (`Thinking`) as it stands at the head of the progress line (`*Thinking…*`)."""
    escape: Callable[[str], str] = _same
    """Words of the model or a server, made inert (no markup, no mention)."""
    quote: Callable[[str], str] = lambda line: "> " + line
    """One line of the model's current reasoning, set apart."""
    separator: str = "\n"
    """Between the progress line and its notes (votes, detail, snippet)."""
    limit: int = 4000
    """Characters of one message."""
    snippet_chars: int = SNIPPET_CHARS


def duration(seconds: float) -> str:
    """`1:05` for 65 seconds."""
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a word boundary when one is near, with `…`."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip() + "…"


def phase_label(phase: str) -> str:
    return PHASES.get(phase, phase.capitalize())


def progress_text(progress: Progress, style: Style) -> str:
    """The placeholder while the model works: `Thinking… · 1,234 tokens · 0:42`, then the vote so far,
    then either why it takes longer (`detail`) or what the model is working on (`snippet`)."""
    if progress.phase == "queued" and progress.position is not None:
        head = [messages.queued(progress.position)]
    else:
        head = [style.heading(phase_label(progress.phase))]
    if progress.tokens:
        head.append(f"{progress.tokens:,} tokens")
    if progress.elapsed:
        head.append(duration(progress.elapsed))
    lines = [" · ".join(head)]
    if progress.votes:
        lines.append(style.escape(progress.votes))
    if progress.detail:
        lines.append(style.escape(progress.detail))
    elif progress.snippet:
        snippet = render.snippet(progress.snippet, style.snippet_chars)
        if snippet.strip():
            lines.append(style.quote(style.escape(" ".join(snippet.split()))))
    return clip(style.separator.join(lines), style.limit)


def stats(answer: Answer) -> list[str]:
    """The answer's numbers: `1,234 tokens`, `thought for 0:42`, `total 1:05`."""
    return [
        messages.tokens_used(answer.completion_tokens, answer.vote),
        f"thought for {duration(answer.thinking_seconds)}",
        f"total {duration(answer.elapsed)}",
    ]


def vote_label(samples: int) -> str:
    """The button that asks an answered question again with several samples."""
    return f"Check with {samples} samples"


def offers_vote(answer: Answer, vote_samples: int) -> bool:
    """Whether an answer gets "Check with N samples": complete, from one sample, and N > 1."""
    return not answer.truncated and answer.final is not None and answer.vote is None and vote_samples > 1
