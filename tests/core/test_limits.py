"""Admission control against the real Redis: in flight, per hour, queue cap, bad input, cancellation."""

from __future__ import annotations

import threading

import pytest
import redis

from mathbot import limits, questions, queue, runs
from mathbot.errors import EmptyQuestion, QuestionTooLong
from mathbot.jobs import Question, ReplyTarget, Turn
from mathbot.settings import Settings

QUEUE_KEY = "rq:queue:limits-test"


def make_settings(redis_url: str, **knobs: object) -> Settings:
    return Settings(_env_file=None, redis_url=redis_url, queue="limits-test", **knobs)  # type: ignore[call-arg]


def question(user: str = "U1", channel: str = "C1", text: str = "What is 1+1?") -> Question:
    return Question(
        target=ReplyTarget(platform="slack", channel=channel, user=user),
        turns=[Turn(role="user", content=text)],
    )


def test_in_flight_limit_per_user_and_release(redis_url: str, redis_conn) -> None:
    settings = make_settings(redis_url, user_in_flight=2)
    first, second, third = question(), question(), question()
    limits.admit(redis_conn, first, settings, QUEUE_KEY)
    limits.admit(redis_conn, second, settings, QUEUE_KEY)
    with pytest.raises(limits.LimitReached) as refused:
        limits.admit(redis_conn, third, settings, QUEUE_KEY)
    assert "2 questions being answered" in refused.value.user_message
    limits.admit(redis_conn, question(user="U2"), settings, QUEUE_KEY)  # someone else is fine
    limits.release(redis_conn, first, settings)
    limits.admit(redis_conn, third, settings, QUEUE_KEY)


def test_hourly_limit_and_refusals_cost_nothing(redis_url: str, redis_conn) -> None:
    settings = make_settings(redis_url, user_per_hour=2, user_in_flight=10)
    for _ in range(2):
        q = question()
        limits.admit(redis_conn, q, settings, QUEUE_KEY)
        limits.release(redis_conn, q, settings)
    for _ in range(3):
        with pytest.raises(limits.LimitReached, match="in the last hour"):
            limits.admit(redis_conn, question(), settings, QUEUE_KEY)


def test_channel_limit(redis_url: str, redis_conn) -> None:
    settings = make_settings(redis_url, channel_in_flight=1)
    limits.admit(redis_conn, question(user="A"), settings, QUEUE_KEY)
    with pytest.raises(limits.LimitReached, match="This channel"):
        limits.admit(redis_conn, question(user="B"), settings, QUEUE_KEY)


def test_full_queue_is_busy(redis_url: str, redis_conn) -> None:
    settings = make_settings(redis_url, max_queue=3)
    redis_conn.rpush(QUEUE_KEY, "a", "b", "c")
    with pytest.raises(limits.Busy, match="busy"):
        limits.admit(redis_conn, question(), settings, QUEUE_KEY)


def test_enqueue_refuses_bad_input_before_queueing(redis_url: str, redis_conn) -> None:
    settings = make_settings(redis_url)
    with pytest.raises(EmptyQuestion):
        queue.enqueue(question(text=" \x00\x07 \n"), settings, redis_conn)
    with pytest.raises(QuestionTooLong, match="characters"):
        queue.enqueue(question(text="x" * 70_000), settings, redis_conn)
    assert queue.question_queue(settings, redis_conn).count == 0


def test_control_characters_are_cleaned() -> None:
    turn = Turn(role="user", content="a\x00b\r\nc\x1b[31m\td")
    assert turn.content == "ab\nc[31m\td"


def test_queue_full_through_enqueue(redis_url: str, redis_conn) -> None:
    settings = make_settings(redis_url, max_queue=2, user_in_flight=10)
    queue.enqueue(question(), settings, redis_conn)
    queue.enqueue(question(), settings, redis_conn)
    with pytest.raises(limits.Busy):
        queue.enqueue(question(), settings, redis_conn)
    assert queue.question_queue(settings, redis_conn).count == 2


def test_cancel_only_your_own_queued_question(redis_url: str, redis_conn) -> None:
    settings = make_settings(redis_url, user_in_flight=1)
    q = question(user="alice")
    position = queue.enqueue(q, settings, redis_conn).position
    assert position == 1
    assert queue.cancel(q.id, settings, redis_conn, by_user="mallory")[0] == "not_yours"
    outcome, found = queue.cancel(q.id, settings, redis_conn, by_user="alice")
    assert outcome == "cancelled" and found == q
    assert queue.question_queue(settings, redis_conn).count == 0
    assert runs.state(redis_conn, q.id) == "cancelled"
    queue.enqueue(question(user="alice"), settings, redis_conn)  # her in-flight slot is free again
    assert queue.cancel("no-such-question", settings, redis_conn)[0] == "unknown"


def test_a_placeholder_leads_to_its_question(redis_url: str, redis_conn) -> None:
    settings = make_settings(redis_url)
    q = Question(
        target=ReplyTarget(platform="discord", channel="C", placeholder="999", user="U"),
        turns=[Turn(role="user", content="1+1?")],
    )
    queue.enqueue(q, settings, redis_conn)
    assert questions.question_id(redis_conn, "discord", "999") == q.id
    assert questions.question_id(redis_conn, "slack", "999") is None


def test_simultaneous_enqueues_never_pass_the_queue_cap(redis_url: str, redis_conn) -> None:
    """Admission and enqueue are one step: 40 questions at once against a cap of 5 queue exactly 5."""
    settings = make_settings(redis_url, max_queue=5, user_in_flight=100, user_per_hour=1000)
    settings = settings.model_copy(update={"channel_in_flight": 100, "channel_per_hour": 1000})
    start = threading.Barrier(40)
    outcomes: list[str] = []

    def ask(n: int) -> None:
        connection = redis.Redis.from_url(redis_url)
        start.wait()
        try:
            queue.enqueue(question(user=f"U{n}", channel=f"C{n}"), settings, connection)
            outcomes.append("queued")
        except limits.Busy:
            outcomes.append("busy")
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["busy"] * 35 + ["queued"] * 5
    assert queue.question_queue(settings, redis_conn).count == 5
    assert len(redis_conn.keys("rq:job:*")) == 5
