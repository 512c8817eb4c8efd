"""Turn a validated request into a plan, and release its tokens at the current rate, faults included."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from mathbot.sim.faults import Fault
from mathbot.sim.script import Piece, Plan, plan_generation
from mathbot.sim.state import SimState
from mathbot.sim.validation import GenerationRequest

MAX_SLEEP_SECONDS = 0.5
"""Longest single wait between flushes, so a rate changed at run time applies quickly."""


class StreamDied(Exception):
    """The `die_after_tokens` fault fired: the connection must be dropped without a proper ending."""


class GenerationFailed(Exception):
    """The `stream_error_after_tokens` fault fired: report TGI's generation error."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def plan_for(state: SimState, request: GenerationRequest, fault: Fault | None) -> tuple[Plan, int]:
    """The plan of a generation and the seed it reports (a drawn one when the client sent none)."""
    seed = request.seed if request.seed is not None else state.next_seed()
    plan = plan_generation(
        request.problem,
        known=state.bank.find(request.problem),
        seed_key=f"seed:{seed}" if request.sampling else "greedy",
        reasoning_tokens=state.config.reasoning_tokens,
        shape=state.config.shape,
        max_new_tokens=request.max_new_tokens,
        stop=request.stop,
        no_answer=fault is not None and fault.kind == "no_answer",
        accuracy=state.accuracy,
        solution_paragraphs=state.solution_paragraphs,
    )
    return plan, seed


async def paced(
    state: SimState, pieces: Sequence[Piece], fault: Fault | None
) -> AsyncIterator[Sequence[Piece]]:
    """Yield `pieces` in batches, as many per flush as `state.tokens_per_second` allows.

    Raises StreamDied or GenerationFailed once `fault.after_tokens` tokens went out (for those faults),
    and pauses `fault.seconds` there for a stall.
    """
    loop = asyncio.get_running_loop()
    tick = 1.0 / state.config.ticks_per_second
    trigger = (
        fault.after_tokens if fault is not None and fault.kind in ("die", "stream_error", "stall") else -1
    )
    sent, budget, last = 0, 0.0, loop.time()
    while sent < len(pieces) or sent == trigger:
        if sent == trigger and fault is not None:
            trigger = -1
            state.stats.faults_applied[fault.kind] += 1
            if fault.kind == "die":
                raise StreamDied()
            if fault.kind == "stream_error":
                raise GenerationFailed(fault.message)
            await asyncio.sleep(fault.seconds)
            budget, last = 0.0, loop.time()
            continue
        if budget < 1.0:
            rate = state.tokens_per_second
            await asyncio.sleep(min(max(tick, (1.0 - budget) / rate), MAX_SLEEP_SECONDS))
            now = loop.time()
            budget += (now - last) * state.tokens_per_second
            last = now
        count = min(int(budget), len(pieces) - sent)
        if trigger > sent:
            count = min(count, trigger - sent)
        if count <= 0:
            continue
        budget -= count
        batch = pieces[sent : sent + count]
        sent += count
        state.stats.tokens_streamed += count
        yield batch
