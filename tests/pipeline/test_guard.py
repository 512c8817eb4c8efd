"""A server that ignores `max_tokens` (issue 13): the stream is stopped well past the limit, or once it
makes no progress, and the answer is reported as truncated, instead of running until the job timeout."""

from __future__ import annotations

import pytest
import redis

from tests.support.inference import SMALL, ask, fault, settings_for, sim, stats
from tests.support.processes import wait_for
from workers.guard import Guard


@pytest.mark.parametrize("kind", ["whitespace", "think"])
def test_a_stream_past_its_limit_is_stopped_and_truncated(
    kind: str, redis_url: str, redis_conn: redis.Redis
) -> None:
    for app in sim("tgi", tokens_per_second=5000.0, **SMALL):  # slow enough to be cut while it streams
        fault(app, ignore_max_tokens=kind)
        answer = ask(settings_for(redis_url, app.url), redis_conn)
        assert answer.truncated and not answer.rescued and answer.final is None
        assert answer.finish_reason == "length"
        max_tokens = 4096 - answer.prompt_tokens - 512
        limit = 250 if kind == "whitespace" else max_tokens + 256 + 1
        assert answer.completion_tokens <= limit
        seen = wait_for(
            lambda app=app: (s := stats(app))["clients_disconnected"] == 1 and s, 10, message="the close"
        )
        assert seen["tokens_streamed"] < 4 * max_tokens  # the server was not left running on
        assert seen["requests"].get("/generate_stream", 0) == 0  # a broken stream is not rescued


def test_an_honest_stream_is_never_stopped() -> None:
    guard = Guard(100)
    assert all(guard.check("tok") == "" for _ in range(100))
    assert guard.check("", reported_tokens=100) == ""
    blanks = Guard(10_000, blank_limit=5)
    for text in ["a", "\n\n", " ", "\n\n", "b", "\n\n", "\n\n", "\n\n", "\n\n"]:
        assert blanks.check(text) == ""  # blank runs between words are thinking, not stalling
    assert blanks.check("\n") == "no progress"


def test_the_guard_trusts_the_servers_own_count() -> None:
    guard = Guard(100, slack=10)
    assert guard.check("x", reported_tokens=110) == ""
    assert guard.check("x", reported_tokens=111) == "overrun"
