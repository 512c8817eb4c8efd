"""Fault injection: a first-in, first-out queue of failures for the next generation requests.

`POST /_sim/faults` appends entries; each generation request consumes at most one entry, from the
head of the queue. Request faults (`overloaded`, `error_status`) are taken when a request arrives;
stream faults (`die`, `stream_error`, `stall`, `no_answer`) when a valid request starts generating.
An entry with a count of N applies to N requests in a row. `tokens_per_second` and `unhealthy` are
settings, not queue entries: they take effect at once, also on streams already running; so is
`accuracy` (the share of sampled answers that are right) and `solution_paragraphs` (extra steps in the
solution: a long answer), for generations that start after them.
"""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

REQUEST_KINDS = ("overloaded", "error_status")
"""Faults that replace the whole response."""

STREAM_KINDS = ("die", "stream_error", "stall", "no_answer")
"""Faults that change a generation that has started."""

DEFAULT_STALL_SECONDS = 5.0
"""How long a `stall_after_tokens` fault pauses when `stall_seconds` is not given."""

ERROR_TYPES = {422: "validation", 424: "generation", 429: "overloaded", 500: "incomplete_generation"}
"""TGI's `error_type` for each status it uses; other statuses get "unavailable"."""

KNOWN_KEYS = frozenset(
    {
        "overloaded", "error_status", "error_count", "error_message", "error_type",
        "die_after_tokens", "die_count",
        "stream_error_after_tokens", "stream_error_count", "stream_error_message",
        "stall_after_tokens", "stall_seconds", "stall_count",
        "no_answer", "tokens_per_second", "unhealthy", "accuracy", "solution_paragraphs",
    }
)  # fmt: skip


class FaultSpecError(ValueError):
    """A `POST /_sim/faults` body the simulator cannot understand."""


@dataclass
class Fault:
    """One queued fault; `remaining` counts the requests it still applies to."""

    kind: str
    remaining: int = 1
    status: int = 0
    error_type: str = ""
    message: str = ""
    after_tokens: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The fault as reported by `GET /_sim/faults` and `/_sim/stats`."""
        return {k: v for k, v in asdict(self).items() if v or k in ("kind", "remaining")}


@dataclass(frozen=True)
class FaultSpec:
    """A parsed control request: faults to queue, and settings to change (None: unchanged)."""

    faults: tuple[Fault, ...]
    tokens_per_second: float | None = None
    unhealthy: bool | None = None
    accuracy: float | None = None
    solution_paragraphs: int | None = None


def _count(payload: dict[str, Any], key: str, default: int = 1) -> int:
    value = payload.get(key, default)
    if value is True:
        return 1
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FaultSpecError(f"`{key}` must be a non-negative integer (or true), got {value!r}")
    return value


def _number(payload: dict[str, Any], key: str, default: float | None = None) -> float:
    value = payload.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise FaultSpecError(f"`{key}` must be a non-negative number, got {value!r}")
    return float(value)


def parse_fault_spec(payload: Any) -> FaultSpec:
    """Read a control body such as `{"overloaded": 2}` or `{"die_after_tokens": 50, "die_count": 1}`."""
    if not isinstance(payload, dict):
        raise FaultSpecError("the body must be a JSON object")
    unknown = sorted(set(payload) - KNOWN_KEYS)
    if unknown:
        raise FaultSpecError(f"unknown keys {unknown}; known: {sorted(KNOWN_KEYS)}")
    faults: list[Fault] = []
    if "overloaded" in payload:
        faults.append(
            Fault("overloaded", _count(payload, "overloaded"), 429, "overloaded", "Model is overloaded")
        )
    if "error_status" in payload:
        status = int(_number(payload, "error_status"))
        if not 400 <= status <= 599:
            raise FaultSpecError("`error_status` must be an HTTP error status (400-599)")
        error_type = str(payload.get("error_type") or ERROR_TYPES.get(status, "unavailable"))
        message = str(payload.get("error_message") or f"Simulated failure (HTTP {status})")
        faults.append(Fault("error_status", _count(payload, "error_count"), status, error_type, message))
    if "die_after_tokens" in payload:
        after = int(_number(payload, "die_after_tokens"))
        faults.append(Fault("die", _count(payload, "die_count"), after_tokens=after))
    if "stream_error_after_tokens" in payload:
        after = int(_number(payload, "stream_error_after_tokens"))
        message = str(payload.get("stream_error_message") or "Request failed during generation: simulated")
        faults.append(
            Fault("stream_error", _count(payload, "stream_error_count"), 0, "generation", message, after)
        )
    if "stall_after_tokens" in payload:
        after = int(_number(payload, "stall_after_tokens"))
        seconds = _number(payload, "stall_seconds", DEFAULT_STALL_SECONDS)
        faults.append(Fault("stall", _count(payload, "stall_count"), after_tokens=after, seconds=seconds))
    if payload.get("no_answer"):
        faults.append(Fault("no_answer", _count(payload, "no_answer")))
    rate = None
    if "tokens_per_second" in payload:
        rate = _number(payload, "tokens_per_second")
        if rate <= 0:
            raise FaultSpecError("`tokens_per_second` must be positive")
    unhealthy = bool(payload["unhealthy"]) if "unhealthy" in payload else None
    accuracy = None
    if "accuracy" in payload:
        accuracy = _number(payload, "accuracy")
        if accuracy > 1:
            raise FaultSpecError("`accuracy` must be between 0 and 1")
    paragraphs = _count(payload, "solution_paragraphs") if "solution_paragraphs" in payload else None
    return FaultSpec(tuple(f for f in faults if f.remaining > 0), rate, unhealthy, accuracy, paragraphs)


class FaultQueue:
    """Queued faults, consumed one per generation request from the head."""

    def __init__(self) -> None:
        self._queue: deque[Fault] = deque()

    def extend(self, faults: tuple[Fault, ...]) -> None:
        """Append faults at the tail."""
        self._queue.extend(faults)

    def clear(self) -> None:
        """Forget every queued fault."""
        self._queue.clear()

    def take(self, kinds: tuple[str, ...]) -> Fault | None:
        """Consume one use of the head fault if it is one of `kinds`."""
        if not self._queue or self._queue[0].kind not in kinds:
            return None
        head = self._queue[0]
        head.remaining -= 1
        if head.remaining <= 0:
            self._queue.popleft()
        return Fault(**{**head.__dict__, "remaining": 1})

    def pending(self) -> list[dict[str, Any]]:
        """The queue, head first."""
        return [f.to_json() for f in self._queue]
