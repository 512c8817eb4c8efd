"""A question whose job vanished from Redis while it waited (evicted by a Redis short of memory) is not
skipped in silence: the worker that takes its id off the queue tells the asker, once, in the thread.

Asked through the real Slack adapter (`mathbot slack` on the fake Slack); the job's hash is deleted
the way eviction drops it, leaving its id on the queue's list and the question under
`mathbot:question:<id>`; then a `mathbot worker --burst` takes the id.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from rq.job import Job

from mathbot import limits, messages, questions, runs
from tests.conftest import require_data
from tests.faults.chat_sides import SlackSide
from tests.support import processes
from tests.support.servers import ThreadedApp

PROBLEM = "Find the sum of all integer bases $b > 9$ for which $17_b$ is a divisor of $97_b$."


@pytest.fixture
def slack(redis_url: str, sim: ThreadedApp, tmp_path: Path) -> Iterator[tuple[SlackSide, dict[str, str]]]:
    require_data()
    chat = SlackSide()
    env = chat.env(redis_url, sim.url)
    try:
        chat.start(env, tmp_path)
        yield chat, env
    finally:
        chat.stop()


def test_the_asker_hears_that_a_question_whose_job_vanished_is_lost(
    slack: tuple[SlackSide, dict[str, str]], redis_conn: redis.Redis, tmp_path: Path
) -> None:
    chat, env = slack
    thread = chat.ask(1, PROBLEM)
    queued = processes.wait_for(lambda: chat.look(thread).placeholder, timeout=10, message="the placeholder")
    question_id = processes.wait_for(
        lambda: questions.question_id(redis_conn, "slack", queued), timeout=10, message="the question queued"
    )
    assert chat.look(thread).text.startswith("Queued")
    question = questions.load(redis_conn, question_id)
    assert question is not None
    user_flight = f"{limits.PREFIX}flight:user:slack:{question.target.user}"
    assert redis_conn.zscore(user_flight, question_id) is not None

    assert redis_conn.delete(Job.key_for(question_id)) == 1  # evicted: the id stays on the queue's list
    assert question_id.encode() in redis_conn.lrange("rq:queue:mathbot", 0, -1)

    log = tmp_path / "worker.log"
    worker = processes.start(["worker", "--burst"], env, log=log)
    try:
        assert worker.wait(timeout=60) == 0, log.read_text()
    finally:
        processes.stop(worker)

    shown = processes.wait_for(
        lambda: chat.look(thread) if chat.look(thread).shows == "error" else None,
        timeout=10,
        message="the thread to say the question was lost",
    )
    assert messages.QUESTION_LOST in shown.text, shown
    lost_edits = [c for c in chat.fake.updates(queued) if messages.QUESTION_LOST in str(c.args)]
    assert len(lost_edits) == 1, "told once"
    assert runs.state(redis_conn, question_id) == "delivered", "the question is over: nothing edits it again"
    assert redis_conn.zscore(user_flight, question_id) is None, "it no longer counts against the asker"
    lines = [s for s in log.read_text().splitlines() if question_id in s and "gone from Redis" in s]
    assert len(lines) == 1 and "ERROR" in lines[0], log.read_text()[-3000:]
