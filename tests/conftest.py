"""Shared fixtures: a real Redis database flushed around each test, the TGI simulator, settings, workers.

Tests use the Redis at MATHBOT_TEST_REDIS_URL (default redis://127.0.0.1:6379/15); set a different
database there to run two test sessions side by side.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from mathbot.settings import Settings
from tests.support import processes
from tests.support.servers import ThreadedApp

TEST_REDIS_URL = os.environ.get("MATHBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

DATA_CANDIDATES = (
    (os.environ["MATHBOT_DATA_DIR"],)
    if os.environ.get("MATHBOT_DATA_DIR")
    else (str(Path(__file__).resolve().parents[1].parent / "shared" / "data"), "/work/shared/data")
)
"""Where the shared competition problem sets are read from (never copied into the repository):
MATHBOT_DATA_DIR if set, else ../shared/data next to the checkout, else the machines' /work/shared/data."""

DATA_DIR = next((Path(p) for p in DATA_CANDIDATES if Path(p).is_dir()), Path(DATA_CANDIDATES[0]))

NO_DATA = "the shared problem sets are not here (set MATHBOT_DATA_DIR to their folder)"


def require_data() -> None:
    """Skip the calling test (or, at import, its whole module) when the problem sets are not here."""
    if not DATA_DIR.is_dir():
        pytest.skip(NO_DATA, allow_module_level=True)


@pytest.fixture
def redis_url() -> Iterator[str]:
    connection = redis.Redis.from_url(TEST_REDIS_URL)
    try:
        connection.ping()
    except redis.ConnectionError:
        pytest.fail(f"no Redis at {TEST_REDIS_URL}: start one (make redis) or set MATHBOT_TEST_REDIS_URL")
    connection.flushdb()
    yield TEST_REDIS_URL
    connection.flushdb()
    connection.close()


@pytest.fixture
def redis_conn(redis_url: str) -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(redis_url)
    yield connection
    connection.close()


@pytest.fixture
def sim() -> Iterator[ThreadedApp]:
    """The TGI simulator at a fast token rate, answering known problems from ../shared/data."""
    from mathbot.sim import SimConfig, make_app

    config = SimConfig(
        tokens_per_second=2000.0,
        reasoning_tokens=300,
        data_dir=str(DATA_DIR) if DATA_DIR.is_dir() else None,
    )
    app = ThreadedApp(lambda: make_app(config)).start()
    yield app
    app.stop()


def settings_env(redis_url: str, tgi_url: str, **extra: str) -> dict[str, str]:
    """Environment for a mathbot process in tests: quick progress and retries."""
    env = {
        "REDIS_URL": redis_url,
        "TGI_URL": tgi_url,
        "MATHBOT_PROGRESS_INTERVAL": "0.2",
        "MATHBOT_RETRY_BACKOFF": "0.05",
        "MATHBOT_HTTP_TIMEOUT": "5",
        "MATHBOT_LOG_LEVEL": "INFO",
        # Tests run many workers at once on one host: none serves /metrics unless a test asks for a port.
        "MATHBOT_METRICS_PORT": "0",
    }
    env.update(extra)
    return env


@pytest.fixture
def env(redis_url: str, sim: ThreadedApp) -> dict[str, str]:
    return settings_env(redis_url, sim.url)


@pytest.fixture
def settings(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    for key in list(os.environ):
        if key.startswith(("MATHBOT_", "SLACK_", "DISCORD_", "TGI_")) and key != "MATHBOT_TEST_REDIS_URL":
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def worker(env: dict[str, str], tmp_path: Path) -> Iterator[processes.subprocess.Popen[bytes]]:
    """One `mathbot worker` process (a separate process, as in production); its log in tmp_path."""
    process = processes.start(["worker"], env, log=tmp_path / "worker.log")
    yield process
    processes.stop(process)
