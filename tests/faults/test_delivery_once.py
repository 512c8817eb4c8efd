"""Exactly one last word per question, also when two runs of it overlap or a dead worker is swept late.

Two runs overlap when a worker is killed but its work horse is not (kill -9 of the worker, an OOM kill):
the orphaned horse keeps answering while RQ, seeing the job abandoned, starts it again elsewhere.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from rq.job import Job
from rq.serializers import JSONSerializer

from bots.console import stream
from mathbot import queue
from mathbot.jobs import Question, ReplyTarget, Turn
from mathbot.settings import Settings, get_settings
from tests.support import processes
from workers.answer import after_failure, answer_question

PROBLEM = "What is the sum of the first ten positive integers?"


@pytest.fixture
def worker_settings(settings: Settings) -> Iterator[Settings]:
    """The job functions read the process's settings: make them this test's."""
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def console_question(settings: Settings, connection) -> Question:
    q = Question(
        target=ReplyTarget(platform="console", channel=""), turns=[Turn(role="user", content=PROBLEM)]
    )
    q = q.model_copy(update={"target": ReplyTarget(platform="console", channel=q.id)})
    queue.enqueue(q, settings, connection)
    return q


def kinds(connection, q: Question) -> list[str]:
    return [k for _, k, _ in stream.read(connection, q.id, "0", block_ms=1)]


def tokens(connection, q: Question) -> int:
    found = [
        b.get("tokens", 0) for _, k, b in stream.read(connection, q.id, "0", block_ms=1) if k == "progress"
    ]
    return max(found, default=0)


def test_two_overlapping_runs_of_one_question_answer_once(worker_settings, sim, redis_conn) -> None:
    sim.faults(tokens_per_second=300)
    q = console_question(worker_settings, redis_conn)
    payload = q.model_dump(mode="json")
    results: list[dict] = []
    first = threading.Thread(target=lambda: results.append(answer_question(payload)))
    first.start()
    processes.wait_for(lambda: tokens(redis_conn, q) > 30, timeout=20, message="the first run under way")
    second = threading.Thread(target=lambda: results.append(answer_question(payload)))
    second.start()
    first.join(timeout=30)
    second.join(timeout=30)
    # Only the current run speaks: the older one is superseded at its next progress report and stops
    # generating; the newer one answers, once.
    assert [r["status"] for r in results] == ["superseded", "answered"]
    assert [k for k in kinds(redis_conn, q) if k in ("answer", "error")] == ["answer"]


def test_a_cancelled_question_hears_nothing_when_its_dead_worker_is_swept(
    worker_settings, redis_conn
) -> None:
    q = console_question(worker_settings, redis_conn)
    outcome, _ = queue.cancel(q.id, worker_settings, redis_conn)
    assert outcome == "cancelled"
    job = Job.fetch(q.id, connection=redis_conn, serializer=JSONSerializer)
    after_failure(job, will_retry=True, reason="worker lost")
    after_failure(job, will_retry=False, reason="worker lost")
    assert kinds(redis_conn, q) == []
