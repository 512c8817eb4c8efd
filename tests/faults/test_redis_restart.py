"""Redis restarts: accepted questions survive, workers and adapters reconnect by themselves."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from bots.console.ask import EXIT_ANSWERED, EXIT_FAILED
from mathbot import queue
from mathbot.jobs import Question, ReplyTarget, Turn
from mathbot.settings import Settings
from tests.support import processes
from tests.support.ask import run_ask
from tests.support.env import settings_env
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")


@pytest.fixture
def private_redis(tmp_path: Path):
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def private_env(private_redis: RedisServer, sim, monkeypatch) -> dict[str, str]:
    env = settings_env(private_redis.url, sim.url)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def question(n: int) -> Question:
    q = Question(
        target=ReplyTarget(platform="console", channel=""), turns=[Turn(role="user", content=f"{n} + {n}?")]
    )
    return q.model_copy(update={"target": ReplyTarget(platform="console", channel=q.id)})


def test_queued_questions_survive_a_redis_restart(private_redis, private_env, tmp_path: Path) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    connection = queue.connect(settings)
    asked = [question(n) for n in range(3)]
    for q in asked:
        queue.enqueue(q, settings, connection)
    private_redis.restart(down_for=0.5)
    worker = processes.start(["worker", "--burst"], private_env, log=tmp_path / "worker.log")
    worker.wait(timeout=60)
    from bots.console import stream

    for q in asked:
        kinds = [k for _, k, _ in stream.read(connection, q.id, "0", block_ms=1)]
        assert kinds.count("answer") == 1, (q.id, kinds)


def test_worker_reconnects_after_redis_restart(private_redis, private_env, tmp_path: Path) -> None:
    worker = processes.start(["worker"], private_env, log=tmp_path / "worker.log")
    try:
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
        processes.wait_for(lambda: queue.workers_alive(settings, queue.connect(settings)), timeout=20)
        private_redis.restart(down_for=2.0)
        started = time.monotonic()
        assert run_ask("What is 2 + 2?", settings, timeout=90).code == EXIT_ANSWERED
        assert worker.poll() is None
        print(f"answered {time.monotonic() - started:.1f} s after Redis came back")
    finally:
        processes.stop(worker)


def test_ask_says_plainly_when_redis_is_down(private_redis, private_env) -> None:
    private_redis.stop()
    code, out, err = run_ask("What is 2 + 2?", Settings(_env_file=None))  # type: ignore[call-arg]
    assert code == EXIT_FAILED
    assert err.startswith("mathbot: mathbot could not queue your question")
    assert "Traceback" not in err


def test_ask_rides_out_a_redis_restart_while_waiting(private_redis, private_env, sim, tmp_path: Path) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    worker = processes.start(["worker"], private_env, log=tmp_path / "worker.log")
    codes: list[int] = []
    try:
        processes.wait_for(lambda: queue.workers_alive(settings, queue.connect(settings)), timeout=20)
        sim.faults(tokens_per_second=150)
        thread = threading.Thread(target=lambda: codes.append(run_ask("3 + 3?", settings, timeout=90).code))
        thread.start()
        time.sleep(1.0)
        private_redis.restart(down_for=1.0)
        thread.join(timeout=100)
        assert codes == [EXIT_ANSWERED]
    finally:
        processes.stop(worker)
