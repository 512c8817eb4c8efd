"""Fault injection on the pipeline: workers killed or stopped mid-answer, servers failing mid-stream.

Each test asks through the console adapter (the same queue and worker as Slack and Discord) and
checks what the asker sees: exactly one final answer, or one plain error, never silence.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from bots.console import stream
from mathbot import queue, runs
from mathbot.jobs import Question, ReplyTarget, Turn
from mathbot.settings import Settings
from tests.support import processes
from tests.support.ask import run_ask
from tests.support.data import DATA_DIR, NO_DATA
from tests.support.waiting import assert_quiet

pytestmark = pytest.mark.skipif(not DATA_DIR.is_dir(), reason=NO_DATA)  # answers are checked against it

PROBLEM = (
    "Find the sum of all integer bases \\( b > 9 \\) for which \\( 17_b \\) is a divisor of \\( 97_b \\)."
)
"""AIME 2025 problem 1 as in ../shared/data: the simulator boxes its official answer, 70."""


def ask_in_background(settings: Settings, connection) -> Question:
    q = Question(
        target=ReplyTarget(platform="console", channel=""), turns=[Turn(role="user", content=PROBLEM)]
    )
    q = q.model_copy(update={"target": ReplyTarget(platform="console", channel=q.id)})
    queue.enqueue(q, settings, connection)
    return q


def collect(connection, q: Question) -> list[tuple[str, dict]]:
    return [(kind, body) for _, kind, body in stream.read(connection, q.id, "0", block_ms=1)]


def finals(connection, q: Question) -> list[tuple[str, dict]]:
    return [(k, b) for k, b in collect(connection, q) if k in ("answer", "error")]


def tokens_so_far(connection, q: Question) -> int:
    return max((b.get("tokens", 0) for k, b in collect(connection, q) if k == "progress"), default=0)


def children(pid: int) -> list[int]:
    """The work horses of worker `pid`: its children that lead a process group of their own (RQ's horse
    calls setpgrp; the scheduler process a worker forks when it holds the scheduler's lock does not)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            found = [int(p) for p in f.read().split()]
    except OSError:
        return []
    horses = []
    for child in found:
        try:
            if os.getpgid(child) == child:
                horses.append(child)
        except ProcessLookupError:
            continue
    return horses


def slow(sim) -> None:
    sim.faults(tokens_per_second=60)


def test_work_horse_killed_mid_answer_is_retried_and_answered_once(settings, sim, redis_conn, worker) -> None:
    slow(sim)
    q = ask_in_background(settings, redis_conn)
    processes.wait_for(lambda: tokens_so_far(redis_conn, q) > 40, timeout=30, message="generation under way")
    horses = children(worker.pid)
    assert len(horses) == 1, horses
    killed_at = time.monotonic()
    os.kill(horses[0], signal.SIGKILL)
    sim.faults(tokens_per_second=2000)
    processes.wait_for(lambda: finals(redis_conn, q), timeout=60, message="the final answer")
    recovered = time.monotonic() - killed_at
    result = assert_quiet(lambda: finals(redis_conn, q), 1.0, "no second final message")
    assert [k for k, _ in result] == ["answer"], result
    assert result[0][1]["final"] == "70"
    details = [b.get("detail", "") for k, b in collect(redis_conn, q) if k == "progress"]
    assert any("starting it over" in d for d in details)
    print(f"horse killed → answered in {recovered:.1f} s")


def tokens_since_restart(connection, q: Question) -> int:
    """Tokens of the current attempt: progress after the last "starting over" notice."""
    tokens = 0
    for kind, body in collect(connection, q):
        if kind == "progress":
            tokens = 0 if body.get("phase") == "retrying" else body.get("tokens", 0)
    return tokens


def test_horse_killed_past_the_retries_tells_the_asker_plainly(settings, sim, redis_conn, worker) -> None:
    slow(sim)
    q = ask_in_background(settings, redis_conn)
    deaths = queue.WORKER_LOST_RETRIES + 1
    for attempt in range(1, deaths + 1):  # each death but the last is retried from scratch
        processes.wait_for(
            lambda: tokens_since_restart(redis_conn, q) > 10 and len(children(worker.pid)) == 1,
            timeout=30,
            message=f"generation {attempt} under way",
        )
        os.kill(children(worker.pid)[0], signal.SIGKILL)
        if attempt < deaths:
            processes.wait_for(
                lambda: tokens_since_restart(redis_conn, q) == 0, timeout=10, message="restart"
            )
    processes.wait_for(lambda: finals(redis_conn, q), timeout=30, message="the error")
    result = assert_quiet(lambda: finals(redis_conn, q), 1.0, "no second final message")
    assert [k for k, _ in result] == ["error"], result
    assert "stopped unexpectedly" in result[0][1]["message"]


def test_whole_worker_killed_question_is_taken_over(settings, sim, redis_conn, env, tmp_path: Path) -> None:
    sim.faults(tokens_per_second=40)
    first = processes.start(["worker"], env, log=tmp_path / "first.log")
    second = None
    try:
        q = ask_in_background(settings, redis_conn)
        processes.wait_for(
            lambda: tokens_so_far(redis_conn, q) > 20, timeout=30, message="generation under way"
        )
        second = processes.start(["worker"], env, log=tmp_path / "second.log")
        processes.wait_for(lambda: queue.workers_alive(settings, redis_conn) == 2, timeout=30)
        assert not finals(redis_conn, q)
        horses = children(first.pid)  # RQ starts each work horse in a session of its own
        processes.stop(first, signal.SIGKILL)
        for horse in horses:  # node loss: the worker and its horse die together
            os.kill(horse, signal.SIGKILL)
        killed_at = time.monotonic()
        sim.faults(tokens_per_second=2000)
        processes.wait_for(
            lambda: finals(redis_conn, q), timeout=150, interval=0.5, message="the final answer"
        )
        recovered = time.monotonic() - killed_at
        result = assert_quiet(lambda: finals(redis_conn, q), 1.0, "no second final message")
        assert [k for k, _ in result] == ["answer"], result
        assert result[0][1]["final"] == "70"
        details = [b.get("detail", "") for k, b in collect(redis_conn, q) if k == "progress"]
        assert any("starting it over" in d for d in details)
        print(f"worker lost → answered by another in {recovered:.1f} s")
    finally:
        processes.stop(first, signal.SIGKILL)
        if second is not None:
            processes.stop(second)


def scheduler_of(connection, settings: Settings) -> tuple[str, int] | None:
    """The scheduler holding the users' queue's scheduler lock: its name and process id."""
    name = connection.get(f"rq:scheduler-lock:{settings.queue}")
    pid = connection.hget(f"rq:scheduler:{name.decode()}", "pid") if name else None
    return (name.decode(), int(pid)) if name and pid and int(pid) else None


def test_a_killed_workers_scheduler_dies_with_it_and_the_next_worker_schedules(
    settings, redis_conn, env, tmp_path: Path
) -> None:
    """RQ's scheduler is a process of its own, forked by the worker that holds the queue's scheduler
    lock: SIGKILL the worker and the scheduler must go too (before: it lived on for ever, keeping the
    lock, so no later worker's scheduler could take over, and the orphan outlived every deploy)."""
    first = processes.start(["worker"], env, log=tmp_path / "first.log")
    second = None
    try:
        name, pid = processes.wait_for(lambda: scheduler_of(redis_conn, settings), message="a scheduler")
        os.kill(first.pid, signal.SIGKILL)  # the worker alone, as the OOM killer would
        first.wait(timeout=5)
        processes.wait_for(
            lambda: processes.gone(pid),
            timeout=10,
            message="the scheduler to die with its worker",
        )
        redis_conn.delete(f"rq:scheduler-lock:{settings.queue}")  # as its TTL would, a minute later
        second = processes.start(["worker"], env, log=tmp_path / "second.log")
        taken = processes.wait_for(lambda: scheduler_of(redis_conn, settings), message="a new scheduler")
        assert taken[0] != name
    finally:
        processes.stop(first, signal.SIGKILL)
        if second is not None:
            processes.stop(second)


def test_worker_pool_takes_over_a_question_whose_worker_died(
    settings, sim, redis_conn, env, tmp_path: Path
) -> None:
    """`mathbot worker -n N` (RQ's WorkerPool, the compose default) reads an abandoned question's JSON
    payload in its sweep: the asker hears that it starts over, then gets the answer."""
    from rq.registry import StartedJobRegistry

    sim.faults(tokens_per_second=40)
    lost = processes.start(["worker"], env, log=tmp_path / "lost.log")
    try:
        q = ask_in_background(settings, redis_conn)
        processes.wait_for(
            lambda: tokens_so_far(redis_conn, q) > 20, timeout=30, message="generation under way"
        )
        horses = children(lost.pid)
        processes.stop(lost, signal.SIGKILL)
        for horse in horses:
            os.kill(horse, signal.SIGKILL)
    finally:
        processes.stop(lost, signal.SIGKILL)
    registry = StartedJobRegistry(settings.queue, connection=redis_conn)
    processes.wait_for(
        lambda: registry.get_expired_job_ids(), timeout=60, interval=0.5, message="the heartbeat to expire"
    )
    sim.faults(tokens_per_second=2000)
    pool = processes.start(["worker", "--burst", "-n", "2"], env, log=tmp_path / "pool.log")
    try:
        processes.wait_for(lambda: finals(redis_conn, q), timeout=60, message="the final answer")
    finally:
        processes.stop(pool)
    result = finals(redis_conn, q)
    assert [k for k, _ in result] == ["answer"], result
    details = [b.get("detail", "") for k, b in collect(redis_conn, q) if k == "progress"]
    assert any("starting it over" in d for d in details), (tmp_path / "pool.log").read_text()[-3000:]


def test_job_timeout_mid_stream_ends_in_one_plain_error(settings, sim, redis_conn, worker) -> None:
    """RQ's job timeout fires as an exception inside the streaming read: it must end the question with
    the time-limit message, not pass for a server failure that is retried past the limit."""
    sim.faults(tokens_per_second=30)
    q = ask_in_background(settings.model_copy(update={"job_timeout": 4}), redis_conn)
    processes.wait_for(lambda: finals(redis_conn, q), timeout=30, message="the time-limit error")
    result = assert_quiet(lambda: finals(redis_conn, q), 1.0, "no second final message")
    assert [k for k, _ in result] == ["error"], result
    assert "time limit" in result[0][1]["message"]
    assert not any(b.get("phase") == "retrying" for k, b in collect(redis_conn, q) if k == "progress")


def test_sigterm_lets_the_worker_finish_its_answer(settings, sim, redis_conn, worker) -> None:
    sim.faults(tokens_per_second=300)
    q = ask_in_background(settings, redis_conn)
    processes.wait_for(lambda: tokens_so_far(redis_conn, q) > 20, timeout=30, message="generation under way")
    os.kill(worker.pid, signal.SIGTERM)  # the worker only, as `docker stop` does
    worker.wait(timeout=60)
    result = finals(redis_conn, q)
    assert [k for k, _ in result] == ["answer"], result
    assert result[0][1]["final"] == "70"


@pytest.mark.parametrize(
    "fault",
    [
        {"die_after_tokens": 60, "die_count": 1},
        {"stream_error_after_tokens": 60},
        {"error_status": 503, "error_count": 2},
        {"stall_after_tokens": 30, "stall_seconds": 8},
    ],
    ids=["dies-mid-stream", "error-event-mid-stream", "503-twice", "stalls"],
)
def test_server_failures_mid_answer_are_retried(settings, sim, redis_conn, worker, fault: dict) -> None:
    sim.faults(**fault)
    q = ask_in_background(settings, redis_conn)
    processes.wait_for(lambda: finals(redis_conn, q), timeout=60, message="the final answer")
    result = finals(redis_conn, q)
    assert [k for k, _ in result] == ["answer"], result
    assert result[0][1]["final"] == "70"
    assert any(b.get("phase") == "retrying" for k, b in collect(redis_conn, q) if k == "progress")


def test_429_storm_ends_in_one_plain_error(settings, sim, redis_conn, worker) -> None:
    sim.faults(overloaded=100)
    q = ask_in_background(settings, redis_conn)
    processes.wait_for(lambda: finals(redis_conn, q), timeout=60, message="the error")
    result = finals(redis_conn, q)
    assert [k for k, _ in result] == ["error"]
    assert "overloaded" in result[0][1]["message"] and "tried 5 times" in result[0][1]["message"]
    retries = [
        b["detail"] for k, b in collect(redis_conn, q) if k == "progress" and b.get("phase") == "retrying"
    ]
    assert len(retries) == 4


def test_ctrl_c_in_ask_cancels_the_question(settings, sim, redis_conn, worker) -> None:
    from bots.console.ask import EXIT_INTERRUPTED

    slow(sim)
    codes: list[int] = []

    def interrupt_soon() -> None:
        processes.wait_for(lambda: redis_conn.keys("mathbot:console:*"), timeout=20)
        time.sleep(1.0)
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)  # type: ignore[arg-type]

    threading.Thread(target=interrupt_soon, daemon=True).start()
    # Ctrl-C raises KeyboardInterrupt here also when the tests run in the background (SIGINT ignored)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        codes.append(run_ask(PROBLEM, settings, timeout=30).code)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert codes == [EXIT_INTERRUPTED]
    key = redis_conn.keys("mathbot:console:*")[0].decode()
    qid = key.rsplit(":", 1)[1]
    assert runs.state(redis_conn, qid) == "cancelled"

    def ended() -> list[str]:
        return [k for _, k, _ in stream.read(redis_conn, qid, "0", block_ms=1) if k in ("answer", "error")]

    assert_quiet(lambda: not ended(), 2.0, "no answer or error after the cancel")
