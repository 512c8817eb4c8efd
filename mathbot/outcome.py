"""What a worker reports back through a reply: progress while generating, then an answer.

Pydantic dataclasses: built positionally like plain ones, and validated back from JSON (`load_answer`,
`load_progress`) where they travel (the console's event stream).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import TypeAdapter
from pydantic.dataclasses import dataclass

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
    votes: str = ""
    """For a question asked with several samples: how many are done and what they answered so far."""


@dataclass(frozen=True)
class Vote:
    """The final answers of several samples of one question, grouped by mathematical equivalence."""

    samples: int
    agree: int
    """Samples that gave the winning (first) answer."""
    answers: tuple[tuple[str, int], ...]
    """(answer as LaTeX, samples that gave it), the majority first."""
    failed: int = 0
    """Samples lost to server errors (left out of the vote)."""
    tokens: int = 0
    """Completion tokens of all samples together (a stopped sample's tokens up to its stop included)."""
    stopped: int = 0
    """Samples stopped before they finished, once no answer of theirs could change the winner (the
    others, `samples - stopped`, were drawn)."""


@dataclass(frozen=True)
class Answer:
    """A finished generation, split into reasoning and solution."""

    question: str
    reasoning: str
    solution: str
    final: str | None
    """The final answer (LaTeX: the concluding statement's boxes, several joined as a list), or None."""
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
    vote: Vote | None = None
    """Set when the question was asked with several samples: this answer is the majority's."""
    rescued: bool = False
    """The reasoning reached the token budget and was closed for the model, which then wrote this
    conclusion (budget forcing): an answer, marked as such on the card."""


def dump(value: Progress | Answer) -> dict[str, Any]:
    """A progress report or an answer as JSON-ready data."""
    data: dict[str, Any] = TypeAdapter(type(value)).dump_python(value, mode="json")
    return data


def load_answer(data: Any) -> Answer:
    """An answer back from `dump`'s data (validated)."""
    return TypeAdapter(Answer).validate_python(data)


def load_progress(data: Any) -> Progress:
    """A progress report back from `dump`'s data (validated)."""
    return TypeAdapter(Progress).validate_python(data)
