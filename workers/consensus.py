"""Several samples of one question at once, and the majority answer (self-consistency).

Each sample is one `generate` (its own stream, retries and budget) in a thread of the job; their
progress is merged into one throttled report; when all are done, `mathbot.vote` groups the final
answers and the reply shows the majority answer with the sample that gave it first.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from mathbot import errors, messages, render, vote
from mathbot.jobs import Question
from mathbot.outcome import Answer, Progress, Vote
from mathbot.settings import Settings
from workers.fleet import Fleet
from workers.generate import Throttle, generate, seed_for

log = logging.getLogger(__name__)


class _Merged:
    """The latest progress of every sample, reported as one line at the throttled rate."""

    def __init__(
        self,
        samples: int,
        on_progress: Callable[[Progress], None],
        interval: float,
        clock: Callable[[], float],
    ) -> None:
        self.latest: list[Progress | None] = [None] * samples
        self.finals: list[str] = []
        """The finished samples' answers as plain text ("—": none), in the order they finished."""
        self.on_progress, self.clock, self.started = on_progress, clock, clock()
        self.throttle = Throttle(interval, clock)
        self.lock = threading.Lock()

    def reporter(self, index: int) -> Callable[[Progress], None]:
        def report(progress: Progress) -> None:
            with self.lock:
                self.latest[index] = progress
                urgent = progress.phase == "retrying"
                if urgent or self.throttle.ready():
                    self.on_progress(self._merged(progress if urgent else None))

        return report

    def finished(self, final: str | None) -> None:
        with self.lock:
            self.finals.append(render.answer_text(final) if final else "—")
            self.on_progress(self._merged(None))

    def _merged(self, retrying: Progress | None) -> Progress:
        running = [p for p in self.latest if p is not None]
        tokens = sum(p.tokens for p in running)
        leader = max(running, key=lambda p: p.tokens, default=None)
        summary = messages.voting(len(self.finals), len(self.latest), self.finals)
        phase = "retrying" if retrying else (leader.phase if leader else "starting")
        return Progress(
            phase,
            tokens=tokens,
            elapsed=self.clock() - self.started,
            snippet=leader.snippet if leader and not retrying else "",
            detail=retrying.detail if retrying else "",
            votes=summary,
        )


def generate_votes(
    question: Question,
    fleet: Fleet,
    on_progress: Callable[[Progress], None],
    settings: Settings,
    samples: int,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> Answer:
    """Sample `question` `samples` times concurrently and answer with the majority's first sample.

    Samples that fail for good are left out of the vote; if every sample fails, the first failure
    is raised (an `InputError` such as a too-long question fails them all alike).
    """
    merged = _Merged(samples, on_progress, settings.progress_interval, clock)
    base_seed = seed_for(question.sampling.seed, settings.seed)

    def one(index: int) -> Answer:
        # Consecutive seeds: the samples differ, and a fixed seed still reproduces the whole vote.
        sampling = question.sampling.model_copy(update={"seed": base_seed + index, "samples": 1})
        answer = generate(
            question.model_copy(update={"sampling": sampling}),
            fleet,
            merged.reporter(index),
            settings,
            clock=clock,
        )
        merged.finished(answer.final if not answer.truncated else None)
        return answer

    answers: list[Answer | None] = [None] * samples
    failures: list[errors.MathbotError] = []
    pool = ThreadPoolExecutor(max_workers=samples, thread_name_prefix=f"sample-{question.id[:8]}")
    try:
        futures = [pool.submit(one, i) for i in range(samples)]
        for index, future in enumerate(futures):
            try:
                answers[index] = future.result()
            except errors.MathbotError as exc:
                log.warning("question=%s sample=%d failed: %s", question.id, index + 1, type(exc).__name__)
                failures.append(exc)
                merged.finished(None)
    finally:
        # Never wait for the other samples here: on RQ's job timeout (raised in this thread) the
        # job must end now, and the work horse's exit ends the sampling threads with it.
        pool.shutdown(wait=False, cancel_futures=True)
    done = [a for a in answers if a is not None]
    if not done:
        raise failures[0]
    finals = [a.final if a is not None and not a.truncated else None for a in answers]
    result = vote.tally(finals)
    chosen = answers[result.winner.members[0]] if result.winner else done[0]
    assert chosen is not None
    log.info(
        "question=%s vote: %s (%d of %d agree, %d without an answer, %d failed)",
        question.id,
        result.winner.answer if result.winner else None,
        result.agree,
        samples,
        result.unanswered,
        len(failures),
    )
    ballot = Vote(
        samples=samples,
        agree=result.agree,
        answers=tuple((g.answer, len(g.members)) for g in result.groups),
        failed=len(failures),
        tokens=sum(a.completion_tokens for a in done),
    )
    return replace(chosen, vote=ballot)
