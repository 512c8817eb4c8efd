"""The processes tests start never read a developer's `.env`: `Settings` reads `.env` from the working
directory, and a checkout often has one (real tokens, another Redis, another queue). Test processes run
in an empty folder of their own (`tests.support.processes.WORKDIR`) with only the test's environment.

The environment wins over `.env` for any variable both set, so the `.env` written here also sets what
the tests leave unset (the queue name): read by mistake, it would put the spawned worker and `mathbot
ask` on the developer's queue.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from rq import Worker
from rq.registry import FinishedJobRegistry

from mathbot import queue
from mathbot.settings import Settings
from tests.support import processes
from tests.support.waiting import wait_for

DEVELOPERS_QUEUE = "a-developers-own-queue"

DOTENV = f"""# written by tests/pipeline/test_dotenv.py for one test: delete it if it is left over
REDIS_URL=redis://127.0.0.1:1/0
MATHBOT_QUEUE={DEVELOPERS_QUEUE}
"""


@pytest.fixture
def dotenv_in_checkout() -> Iterator[Path]:
    """A `.env` in the checkout's root (where pytest and `make test` run), removed afterwards; a `.env`
    already there is a developer's own and is never touched (the test is skipped)."""
    path = processes.ROOT / ".env"
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(DOTENV)
    except FileExistsError:
        pytest.skip("the checkout has a .env of its own: this test does not overwrite it")
    try:
        yield path
    finally:
        path.unlink()


def test_spawned_worker_and_ask_ignore_a_dotenv_in_the_checkout(
    dotenv_in_checkout: Path,
    env: dict[str, str],
    settings: Settings,
    redis_conn: redis.Redis,
    tmp_path: Path,
) -> None:
    worker = processes.start(["worker"], env, log=tmp_path / "worker.log")
    try:
        registered = wait_for(lambda: Worker.all(connection=redis_conn), timeout=30, message="the worker")
        assert [w.queue_names() for w in registered] == [queue.served_queues(settings)], "the worker's queues"
        asked = processes.run(["ask", "--timeout", "60", "What is 1 + 1?"], env, timeout=90)
    finally:
        processes.stop(worker)
    assert asked.returncode == 0, asked.stderr
    assert "Final answer" in asked.stdout
    assert FinishedJobRegistry(settings.queue, connection=redis_conn).count == 1, "asked on the test's queue"
    assert not redis_conn.keys(f"*{DEVELOPERS_QUEUE}*")
