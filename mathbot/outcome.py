"""What a worker reports back through a reply: progress while generating, then an answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Phase = Literal["queued", "starting", "thinking", "answering", "retrying"]


@dataclass(frozen=True)
class Progress:
    """A snapshot of one generation, sent (throttled) while the model works."""

    phase: Phase
    tokens: int = 0
    elapsed: float = 0.0
    snippet: str = ""
    """A short, sanitised line of what the model is working on now (may be empty)."""
    detail: str = ""
    """Plain-words status such as "server overloaded, retrying in 8 s (attempt 2 of 5)"."""
    position: int | None = None
    """Place in the queue, for the queued phase."""


@dataclass(frozen=True)
class Answer:
    """A finished generation, split into reasoning and solution."""

    question: str
    reasoning: str
    solution: str
    final: str | None
    """The content of the last brace-matched \\boxed{} (LaTeX), or None when there is none."""
    truncated: bool
    """True when the token budget ran out before an answer: never present it as an answer."""
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    thinking_seconds: float
    elapsed: float
    model: str = ""
    dropped_turns: int = 0
    """Oldest thread turns left out to fit the token budget (the reply says so when > 0)."""
