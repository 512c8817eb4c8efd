"""`mathbot eval`'s own words on a terminal, and how shared words are decorated there (`STYLE`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mathbot import present

if TYPE_CHECKING:
    from bots.eval.runner import Count

STYLE = present.Style(
    heading=str.lower, quote=lambda line: line, separator=" · ", limit=100, snippet_chars=60
)
"""Plain lines, as on the console (an evaluation shows no per-token progress)."""

EXIT_COMPLETED = 0
EXIT_FAILED = 1
"""Redis or the problem files failed the run (it can be resumed)."""
EXIT_BAD_INPUT = 2
"""Unknown set, unreadable file, samples < 1: nothing was asked."""
EXIT_INTERRUPTED = 130

BAD_SAMPLES = "--samples must be at least 1 (got {samples})."
BAD_LIMIT = "--limit must be at least 1 (got {limit})."
SAME_NAME = (
    "Two problem sets are named {name!r} ({one} and {other}): results are kept by set name; rename one."
)

NO_WORKER = "waiting for a worker: none serves the evaluation queue (start one with `mathbot worker`)"

FEW_WORKERS = (
    "note: {workers} worker(s) serve the evaluation queue and MATHBOT_EVAL_CONCURRENCY is {cap}: while "
    "this runs, users' questions wait for an evaluation sample to end before a worker is free"
)


def progress_fields(count: Count) -> str:
    """`12/30 problems · 96/240 samples · accuracy 53.1 %` (accuracy: the share of samples right so far)."""
    right = percent(count.correct / count.samples_done) if count.samples_done else "–"
    return (
        f"{count.problems_done}/{count.problems} problems · {count.samples_done}/{count.samples} samples · "
        f"accuracy {right}"
    )


def percent(share: float) -> str:
    """`53.1 %`."""
    return f"{100 * share:.1f} %"


def interrupted(out: str, done: int, running: int, unqueued: int) -> str:
    """What an interrupted run leaves behind, and how to go on."""
    return (
        f"mathbot eval: interrupted. {done} samples are stored in {out}; {running} still running on the "
        f"workers will be picked up, and {unqueued} waiting ones were taken off the queue. Run the same "
        "command again to resume."
    )


def redis_lost(out: str, why: str) -> str:
    """The run lost Redis: what is kept, and how to go on."""
    return (
        f"lost the connection to Redis ({why}); the samples done so far are stored in {out}: run the same "
        "command again once Redis is back."
    )
