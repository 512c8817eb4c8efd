"""Run an evaluation: hand its samples to the evaluation queue, a few at a time, and store each one,
graded, as it comes back.

Every sample is one question with one sample (its own seed: MATHBOT_SEED, default 0, plus the sample's
index, so a run can be reproduced), answered by the workers exactly as a user's question is; every one
of the K samples is drawn (an evaluation never stops early). At most MATHBOT_EVAL_CONCURRENCY are
queued or running at once, so the evaluation queue stays short and the workers stay free for users,
whose queue they serve first.

Resuming: the folder says which samples are done (stored), and which question was handed out for
each of the others. A question still queued or running when the run starts again is waited for; its
result, and those that came back while no run was reading, are in the run's stream. Any other sample
is handed out again, and a late result of a question no longer handed out is ignored, so no sample
is ever counted twice. Interrupted (Ctrl-C, SIGTERM), the run takes its waiting questions off the
queue and leaves the running ones to finish for the next run.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import redis

from bots.eval import results, texts
from bots.eval.store import Assignment, Folder, Record, SampleKey
from mathbot import equivalence, queue
from mathbot.errors import Busy, InputError
from mathbot.jobs import Question, ReplyTarget, Sampling, Turn
from mathbot.problemsets import Problem, ProblemSet
from mathbot.settings import Settings

log = logging.getLogger(__name__)

ACTIVE = queue.PENDING_STATES
"""A question in one of these states will still send its result."""

SWEEP_SECONDS = 15.0
"""How often the questions in flight are checked for one that ended without sending a result."""

LOST_AFTER = 30.0
"""Seconds a question may have ended without its result arriving before its sample counts as failed
(its result is normally in the stream before the job even ends)."""

NO_WORKER_AFTER = 10.0
"""Seconds without any result, and no worker on the evaluation queue, before the run says so."""

READ_BLOCK_MS = 1000


@dataclass(frozen=True)
class Count:
    """Where one set stands."""

    name: str
    problems: int
    problems_done: int
    samples: int
    samples_done: int
    correct: int


class Evaluation:
    """The samples of `sets` (the first `limit` problems of each, K = `samples` each) and their results."""

    def __init__(
        self,
        sets: list[ProblemSet],
        samples: int,
        limit: int | None,
        folder: Folder,
        settings: Settings,
        connection: redis.Redis,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.folder, self.settings, self.connection, self.clock = folder, settings, connection, clock
        self.sets = [(s.name, list(s.problems[:limit])) for s in sets]
        self.problems = {(p.set, p.id, p.digest): p for _, problems in self.sets for p in problems}
        self.order = [
            SampleKey.of(p, i) for _, problems in self.sets for p in problems for i in range(samples)
        ]
        planned = set(self.order)
        self.done: dict[SampleKey, Record] = {}
        for name, _ in self.sets:
            self.done.update({k: r for k, r in folder.records(name).items() if k in planned})
        self.resumed = len(self.done)
        self.handed = {k: a for k, a in folder.assignments().items() if k in planned and k not in self.done}
        self.by_job = {a.job: k for k, a in self.handed.items()}
        self.running: set[SampleKey] = set()
        self.waiting: deque[SampleKey] = deque()
        self.ended: dict[str, float] = {}
        """Questions in flight found ended (job done or gone) without a result yet: since when."""
        self.cursor = "0"
        self.started = clock()
        self.last_result = clock()
        self.last_sweep = clock()
        self.hinted = False
        self.base_seed = settings.seed or 0

    @property
    def complete(self) -> bool:
        return len(self.done) == len(self.order)

    def counts(self) -> list[Count]:
        out = []
        for name, problems in self.sets:
            keys = [k for k in self.order if k.set == name]
            finished = [self.done[k] for k in keys if k in self.done]
            per_problem = len(keys) // len(problems) if problems else 0
            problems_done = sum(
                all(SampleKey.of(p, i) in self.done for i in range(per_problem)) for p in problems
            )
            correct = sum(r.correct for r in finished)
            out.append(Count(name, len(problems), problems_done, len(keys), len(finished), correct))
        return out

    def eta(self) -> float | None:
        """Seconds until every sample is done, at this run's pace so far (None: no pace yet)."""
        drawn = len(self.done) - self.resumed
        if drawn <= 0:
            return None
        pace = (self.clock() - self.started) / drawn
        return pace * (len(self.order) - len(self.done))

    def start(self) -> None:
        """Take up where an earlier run stopped: wait for its questions still in flight, read the results
        that came back meanwhile, and line up every other sample."""
        for key, status in self._statuses(self.handed.values()):
            if status in ACTIVE:
                self.running.add(key)
        self.receive(block_ms=None, drain=True)
        self.waiting.extend(k for k in self.order if k not in self.done and k not in self.running)

    def step(self, on_result: Callable[[], None], on_note: Callable[[str], None]) -> None:
        """Hand out samples up to the cap, then wait (about a second) for results and store them."""
        self.fill()
        if self.receive(block_ms=READ_BLOCK_MS):
            on_result()
        now = self.clock()
        if now - self.last_sweep >= SWEEP_SECONDS:
            self.last_sweep = now
            if self.sweep():
                on_result()
        if self.running and not self.hinted and now - self.last_result > NO_WORKER_AFTER:
            self.hinted = not queue.workers_alive(self.settings, self.connection, evaluation=True)
            if self.hinted:
                on_note(texts.NO_WORKER)

    def fill(self) -> None:
        """Hand out waiting samples while fewer than MATHBOT_EVAL_CONCURRENCY are in flight."""
        while self.waiting and len(self.running) < self.settings.eval_concurrency:
            key = self.waiting.popleft()
            if not self.hand_out(key):
                self.waiting.appendleft(key)
                return

    def hand_out(self, key: SampleKey) -> bool:
        """Queue one sample as a question of its own; False when the queue is full (try later)."""
        problem = self.problems[(key.set, key.problem, key.digest)]
        job = uuid.uuid4().hex
        seed = self.base_seed + key.sample
        question = Question(
            id=job,
            target=ReplyTarget(platform="eval", channel=self.folder.run, placeholder=job),
            turns=[Turn(role="user", content=problem.problem)],
            sampling=Sampling(samples=1, seed=seed),
        )
        assignment = Assignment(key, job, seed, self.clock())
        self.folder.assign(assignment)
        previous = self.handed.get(key)
        if previous is not None:
            self.by_job.pop(previous.job, None)  # its late result, if any, is not this sample's
        self.handed[key], self.by_job[job] = assignment, key
        try:
            queue.enqueue(question, self.settings, self.connection, evaluation=True)
        except Busy:
            return False
        except InputError as exc:  # a problem the queue refuses (far too long): a failed sample
            self._store([(key, {"question": job, "status": "failed", "error": type(exc).__name__})])
            return True
        self.running.add(key)
        return True

    def receive(self, *, block_ms: int | None, drain: bool = False) -> int:
        """Store the results that arrived (waiting up to `block_ms` for one); how many were new."""
        stored = 0
        while True:
            events = results.read(self.connection, self.folder.run, self.cursor, block_ms=block_ms)
            if not events:
                return stored
            self.cursor = events[-1][0]
            fresh: dict[SampleKey, dict] = {}
            for _, body in events:  # a delivery tried twice may have sent its result twice: the first counts
                key = self.by_job.get(body.get("question", ""))
                if key is not None and key not in self.done:
                    fresh.setdefault(key, body)
            stored += self._store(list(fresh.items()))
            if not drain:
                return stored

    def sweep(self) -> int:
        """Count as failed the samples whose question ended (or vanished) without a result LOST_AFTER ago."""
        now, lost = self.clock(), []
        for key, status in self._statuses(self.handed[k] for k in self.running):
            job = self.handed[key].job
            if status in ACTIVE:
                self.ended.pop(job, None)
            elif now - self.ended.setdefault(job, now) >= LOST_AFTER:
                lost.append((key, {"question": job, "status": "failed", "error": "NoResult"}))
        return self._store(lost)

    def interrupt(self) -> tuple[int, int]:
        """Take this run's waiting questions off the queue; (still running, taken off)."""
        running = taken = 0
        for key, status in self._statuses(self.handed[k] for k in self.running):
            job = self.handed[key].job
            if status == "queued" and queue.cancel(job, self.settings, self.connection)[0] == "cancelled":
                taken += 1
            elif status in ACTIVE:
                running += 1
        return running, taken

    def _statuses(self, assignments: Iterable[Assignment]) -> list[tuple[SampleKey, str | None]]:
        found = list(assignments)
        states = queue.job_states([a.job for a in found], self.connection)
        return [(a.key, state) for a, state in zip(found, states, strict=True)]

    def _store(self, arrived: list[tuple[SampleKey, dict]]) -> int:
        """Grade and store results (one grading child per problem for all its results at hand)."""
        by_problem: dict[tuple[str, str, str], list[tuple[SampleKey, dict]]] = {}
        for key, body in arrived:
            by_problem.setdefault((key.set, key.problem, key.digest), []).append((key, body))
        for ident, batch in by_problem.items():
            problem = self.problems[ident]
            grades = equivalence.grade_all([body.get("final") for _, body in batch], problem.answer)
            for (key, body), correct in zip(batch, grades, strict=True):
                self._record(problem, key, body, correct)
        if arrived:
            self.last_result = self.clock()
        return len(arrived)

    def _record(self, problem: Problem, key: SampleKey, body: dict, correct: bool) -> None:
        handed = self.handed[key]
        record = Record(
            set=key.set,
            problem=key.problem,
            digest=key.digest,
            sample=key.sample,
            seed=handed.seed,
            job=handed.job,
            status=str(body.get("status", "failed")),
            final=body.get("final"),
            correct=correct,
            tokens=int(body.get("tokens") or 0),
            elapsed=float(body.get("elapsed") or 0.0),
            queued_at=handed.queued_at,
            done_at=self.clock(),
            error=body.get("error"),
        )
        self.folder.add(record)
        self.done[key] = record
        self.running.discard(key)
        self.ended.pop(handed.job, None)
        verdict = "right" if correct else "wrong"
        log.info(
            "eval %s/%s sample %d: %s %s (%s)",
            key.set,
            problem.id,
            key.sample,
            record.status,
            record.final,
            verdict,
        )
