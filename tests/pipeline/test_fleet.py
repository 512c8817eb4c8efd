"""Several servers behind one mathbot (issue 12, item 2): leases by load across the fleet in Redis, sick
servers taken out and put back, a generation cut off by a dying server restarted on another."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import redis

from bots.console import stream
from mathbot import keys, queue
from mathbot.jobs import Question, ReplyTarget, Turn
from tests.conftest import require_data, settings_env
from tests.support import processes
from tests.support.inference import AIME_2025_1, ask, fault, settings_for, sim, stats
from workers.fleet import Fleet
from workers.inference import label

require_data()


def leased(fleet: Fleet, count: int, avoid: str | None = None) -> list[str]:
    """Lease `count` servers and keep them (as generations in flight would)."""
    return [fleet.urls[fleet._lease(avoid)[0]] for _ in range(count)]


def test_generations_go_to_the_least_loaded_server(redis_url: str, redis_conn: redis.Redis) -> None:
    urls = ["http://gpu-1:80", "http://gpu-2:80", "http://gpu-3:80"]
    fleet = Fleet(settings_for(redis_url, *urls), redis_conn)
    assert Counter(leased(fleet, 9)) == {url: 3 for url in urls}
    other = Fleet(settings_for(redis_url, *urls), redis_conn)  # another worker sees the same loads
    assert [state.in_flight for state in other.states()] == [3, 3, 3]
    redis_conn.zadd(keys.FLEET_LEASES + label(urls[0]), {"a-worker-killed-long-ago": 0})  # expired
    assert [state.in_flight for state in other.states()] == [3, 3, 3]


def test_a_server_that_is_down_gets_nothing_unless_all_are(redis_url: str, redis_conn: redis.Redis) -> None:
    urls = ["http://gpu-1:80", "http://gpu-2:80"]
    fleet = Fleet(settings_for(redis_url, *urls), redis_conn)
    fleet.mark(label(urls[0]), up=False)
    assert set(leased(fleet, 4)) == {urls[1]}
    assert [(s.up, s.in_flight) for s in fleet.states()] == [(False, 0), (True, 4)]
    fleet.mark(label(urls[1]), up=False)  # all down: the least loaded anyway (the asker hears why)
    assert leased(fleet, 1) == [urls[0]]
    fleet.mark(label(urls[0]), up=True)
    assert [s.up for s in fleet.states()] == [True, False]


def test_a_retry_avoids_the_server_that_failed(redis_url: str, redis_conn: redis.Redis) -> None:
    urls = ["http://gpu-1:80", "http://gpu-2:80"]
    fleet = Fleet(settings_for(redis_url, *urls), redis_conn)
    leased(fleet, 3, avoid=urls[1])  # gpu-1 now carries 3
    assert leased(fleet, 1, avoid=urls[1]) == [urls[0]]  # busier, but the other one just failed
    fleet.mark(label(urls[0]), up=False)
    assert leased(fleet, 1, avoid=urls[1]) == [urls[1]]  # the only one up: it is tried again


def test_the_health_check_takes_a_server_out_and_puts_it_back(
    redis_url: str, redis_conn: redis.Redis
) -> None:
    for one in sim("tgi"):
        for two in sim("tgi"):
            fleet = Fleet(settings_for(redis_url, one.url, two.url), redis_conn)
            fault(one, unhealthy=True)
            fleet.check_due()
            assert [s.up for s in fleet.states()] == [False, True]
            fleet.check_due()  # claimed for this interval already: nobody checks again
            assert stats(one)["requests"]["/health"] == 1
            fault(one, unhealthy=False)
            redis_conn.delete(*(keys.FLEET_CHECK + name for name in fleet.labels))  # the interval passed
            fleet.check_due()
            assert [s.up for s in fleet.states()] == [True, True]


def test_a_stream_cut_by_its_server_restarts_on_another(redis_url: str, redis_conn: redis.Redis) -> None:
    for one in sim("tgi"):
        for two in sim("vllm"):
            settings = settings_for(
                redis_url, one.url, two.url, max_total_tokens=16384, min_answer_tokens=4096
            )
            redis_conn.zadd(keys.FLEET_LEASES + label(two.url), {"busy": time.time() * 1000 + 60_000})
            fault(one, die_after_tokens=50)  # the first attempt goes to the idle server, and dies there
            answer = ask(settings, redis_conn)
            assert answer.final == "70" and not answer.truncated
            assert stats(one)["faults_applied"] == {"die": 1} and stats(one)["generations_completed"] == 0
            assert stats(two)["generations_completed"] == 1
            assert [s.in_flight for s in Fleet(settings, redis_conn).states()] == [0, 1]  # leases released


def test_killing_a_server_mid_run_loses_no_question(
    redis_url: str, redis_conn: redis.Redis, tmp_path: Path
) -> None:
    """Four questions on two servers through real workers; one server dies while they stream: every
    question is answered, once."""
    for one in sim("tgi", tokens_per_second=400.0, reasoning_tokens=600):
        for two in sim("tgi", tokens_per_second=400.0, reasoning_tokens=600):
            env = settings_env(redis_url, f"{one.url},{two.url}")
            settings = settings_for(
                redis_url, one.url, two.url, max_total_tokens=16384, min_answer_tokens=4096
            )
            questions = [
                Question(
                    target=ReplyTarget(platform="console", channel=f"kill-{i}"),
                    turns=[Turn(role="user", content=AIME_2025_1)],
                )
                for i in range(4)
            ]
            worker = processes.start(["worker", "-n", "4"], env, log=tmp_path / "worker.log")
            try:
                for question in questions:
                    queue.enqueue(question, settings, redis_conn)
                processes.wait_for(lambda: stats(one)["in_flight"] >= 1, 60, message="streams on the first")  # noqa: B023
                one.stop()
                finals = {q.target.channel: _finals(redis_conn, q.target.channel, 90) for q in questions}
            finally:
                processes.stop(worker)
            assert finals == {q.target.channel: ["70"] for q in questions}, finals
            log = (tmp_path / "worker.log").read_text()
            assert f"on {one.url} failed: ServerUnavailable" in log  # a stream was cut, and restarted
            assert stats(two)["generations_completed"] >= 1


def _finals(connection: redis.Redis, channel: str, timeout: float) -> list[str | None]:
    """The final answers the asker received (an error counts as None), once the question ended."""
    deadline, cursor, finals = time.monotonic() + timeout, "0", []
    while time.monotonic() < deadline:
        for event_id, kind, body in stream.read(connection, channel, cursor, block_ms=500):
            cursor = event_id
            if kind in ("answer", "error"):
                finals.append(body.get("final") if kind == "answer" else None)
        if finals:
            time.sleep(1.0)  # a duplicate would follow at once: give it the chance to show
            for _, kind, body in stream.read(connection, channel, cursor, block_ms=200):
                if kind in ("answer", "error"):
                    finals.append(body.get("final") if kind == "answer" else None)
            return finals
    return finals
