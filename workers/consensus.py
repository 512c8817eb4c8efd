"""Several samples of one question at once, and the majority answer (self-consistency).

Each sample is one `generate` (its own stream, retries and budget) in a thread of the job; their
progress is merged into one throttled report; `mathbot.vote` groups the final answers and the reply
shows the majority answer with the sample that gave it first.

A vote stops early: as soon as the answers in hand decide it whatever the unfinished samples would
answer (`Tally.decided`), the unfinished streams are closed at their next token, which makes the
server stop generating them (the GPU is free for others), and the card says how many were stopped.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any, cast

from mathbot import errors, messages, metrics, render, vote
from mathbot.jobs import Question
from mathbot.outcome import Answer, Progress, Vote
from mathbot.prompt import Message
from mathbot.settings import Settings
from workers.generate import Throttle, generate, seed_for
from workers.inference import Delta, InferenceServer, Params

log = logging.getLogger(__name__)

ServerFactory = Callable[[], InferenceServer]

STOP_WAIT_SECONDS = 5.0
"""How long a decided vote waits for its stopped samples to close their streams (each notices at its
next token: milliseconds) before it answers anyway; one stalled or backing off is left to the work
horse's exit, which closes its connection too."""


class SampleStopped(Exception):
    """The vote was decided without this sample: its stream was closed."""


class _Stoppable:
    """An inference server whose streams end (`SampleStopped`) once `stop` is set, checked at every
    token; leaving the stream closes the HTTP response, and a server stops a generation whose client
    went away. Counts the tokens it passed on, so a stopped sample's cost is known."""

    def __init__(self, server: InferenceServer, stop: threading.Event) -> None:
        self.server, self.stop, self.tokens = server, stop, 0

    def count(self, msgs: list[Message]) -> int:
        return self.server.count(msgs)

    def stream(self, msgs: list[Message], params: Params) -> Iterator[Delta]:
        if self.stop.is_set():
            raise SampleStopped()
        chunks = self.server.stream(msgs, params)
        try:
            for delta in chunks:
                if self.stop.is_set():
                    raise SampleStopped()
                self.tokens += bool(delta.content or delta.reasoning)
                yield delta
        finally:
            if isinstance(chunks, Generator):
                chunks.close()  # its response is closed with the client (`close`), right after

    def close(self) -> None:
        self.server.close()

    def __getattr__(self, name: str) -> Any:  # anything else the generation asks of its server
        return getattr(self.server, name)


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


@dataclass
class _Ballots:
    """What the samples came to so far, by sample index."""

    samples: int
    answers: dict[int, Answer] = field(default_factory=dict)
    failures: dict[int, errors.MathbotError] = field(default_factory=dict)
    stopped: set[int] = field(default_factory=set)

    def finals(self) -> list[str | None]:
        """Every sample's final answer for the tally (None: none yet, truncated, failed or stopped)."""
        found = [self.answers.get(i) for i in range(self.samples)]
        return [a.final if a is not None and not a.truncated else None for a in found]

    def decided(self, pending: int) -> bool:
        """Whether the answers in hand decide the vote whatever the `pending` samples answer."""
        answered = sum(final is not None for final in self.finals())
        if answered <= pending:  # the winner must outnumber all others and the pending: not yet possible
            return False
        return vote.tally(self.finals()).decided(pending)


def generate_votes(
    question: Question,
    servers: ServerFactory,
    on_progress: Callable[[Progress], None],
    settings: Settings,
    samples: int,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> Answer:
    """Sample `question` `samples` times concurrently and answer with the majority's first sample.

    Unless MATHBOT_VOTE_EARLY_STOP is off, the unfinished samples are stopped once the finished ones
    decide the vote (`Tally.decided`: no answers they could give would change the winner). Samples
    that fail for good are left out of the vote; if every sample fails, the first failure is raised
    (an `InputError` such as a too-long question fails them all alike).
    """
    merged = _Merged(samples, on_progress, settings.progress_interval, clock)
    metrics.vote_samples("drawn", samples)
    base_seed = seed_for(question.sampling.seed, settings.seed)
    stop = threading.Event()
    streams: list[_Stoppable | None] = [None] * samples

    def one(index: int) -> Answer:
        # Consecutive seeds: the samples differ, and a fixed seed still reproduces the whole vote.
        sampling = question.sampling.model_copy(update={"seed": base_seed + index, "samples": 1})
        server = streams[index] = _Stoppable(servers(), stop)
        try:
            answer = generate(
                question.model_copy(update={"sampling": sampling}),
                cast(InferenceServer, server),
                merged.reporter(index),
                settings,
                clock=clock,
            )
        finally:
            server.close()
        merged.finished(answer.final if not answer.truncated else None)
        return answer

    ballots = _Ballots(samples)
    pool = ThreadPoolExecutor(max_workers=samples, thread_name_prefix=f"sample-{question.id[:8]}")
    try:
        # Each sample's thread runs in a copy of this context: its log lines carry the question id too.
        running = {pool.submit(contextvars.copy_context().run, one, i): i for i in range(samples)}
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                _collect(question, ballots, running.pop(future), future, merged)
            if settings.vote_early_stop and running and ballots.decided(len(running)):
                log.info("question=%s vote decided; stopping %d samples", question.id, len(running))
                stop.set()
                done, _ = wait(running, timeout=STOP_WAIT_SECONDS)
                for future in done:
                    _collect(question, ballots, running.pop(future), future, merged)
                ballots.stopped.update(running.values())
                metrics.vote_samples("stopped", len(running))
                break
    finally:
        # Never wait for the other samples here: on RQ's job timeout (raised in this thread) the
        # job must end now, and the work horse's exit ends the sampling threads with it.
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
    return _elect(question, ballots, [s.tokens if s else 0 for s in streams])


def _collect(
    question: Question, ballots: _Ballots, index: int, future: Future[Answer], merged: _Merged
) -> None:
    try:
        ballots.answers[index] = future.result()
    except SampleStopped:
        ballots.stopped.add(index)
    except errors.MathbotError as exc:
        log.warning("question=%s sample=%d failed: %s", question.id, index + 1, type(exc).__name__)
        ballots.failures[index] = exc
        merged.finished(None)


def _elect(question: Question, ballots: _Ballots, spent: list[int]) -> Answer:
    """The majority's first sample, with how the vote went."""
    if not ballots.answers:
        raise ballots.failures[min(ballots.failures)]
    result = vote.tally(ballots.finals())
    chosen = ballots.answers[result.winner.members[0] if result.winner else min(ballots.answers)]
    log.info(
        "question=%s vote: %s (%d of %d agree, %d without an answer, %d failed, %d stopped)",
        question.id,
        result.winner.answer if result.winner else None,
        result.agree,
        ballots.samples,
        result.unanswered - len(ballots.failures) - len(ballots.stopped),
        len(ballots.failures),
        len(ballots.stopped),
    )
    ballot = Vote(
        samples=ballots.samples,
        agree=result.agree,
        answers=tuple((g.answer, len(g.members)) for g in result.groups),
        failed=len(ballots.failures),
        tokens=sum(a.completion_tokens for a in ballots.answers.values())
        + sum(spent[i] for i in ballots.stopped),
        stopped=len(ballots.stopped),
    )
    return replace(chosen, vote=ballot)
