"""How long to wait before trying again: the one exponential backoff of every retry loop in mathbot
(the inference server's failures, a final chat message, a Discord REST call)."""

from __future__ import annotations

import random
from collections.abc import Callable


def backoff(
    attempt: int,
    base: float,
    cap: float = float("inf"),
    *,
    jitter: bool = True,
    rand: Callable[[], float] = random.random,
) -> float:
    """The wait before try `attempt + 1` (0 for the first retry): base·2^attempt, capped; with `jitter`
    anywhere in the upper half of that (so many clients that failed together do not retry together)."""
    ceiling = min(cap, base * 2**attempt)
    return ceiling * (0.5 + 0.5 * rand()) if jitter else ceiling
