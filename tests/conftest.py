"""Shared fixtures: a real Redis database flushed around each test, the TGI simulator, settings, workers;
and the automatic `integration` marker.

Tests use the Redis at MATHBOT_TEST_REDIS_URL (default redis://127.0.0.1:6379/15); set a different
database there to run two test sessions side by side. The helpers behind these fixtures live in
`tests/support/` (processes, servers, the simulator, problem data, waiting) and `tests/fakes/`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import CodeType, FunctionType, ModuleType

import pytest
import redis

from mathbot.settings import Settings
from tests.support import processes
from tests.support import sim as simulator
from tests.support.data import DATA_DIR as DATA_DIR  # where tests have long imported them from
from tests.support.data import NO_DATA as NO_DATA
from tests.support.data import require_data as require_data
from tests.support.env import TEST_REDIS_URL, settings_env

HERE = Path(__file__).parent

INTEGRATION_FIXTURES = frozenset(
    {"redis_url", "sim", "make_sim", "shared_sim", "fake_slack", "discord_fake", "private_redis"}
)
"""Fixtures that bring up a real Redis, the simulator or a fake chat server (and the fixtures built on
them: `redis_conn`, `env`, `settings`, `worker`, `slack_app`, `bot`, `rest`...)."""

INTEGRATION_FOLDERS = (HERE / "faults", HERE / "pipeline")
"""Folders whose every test runs the real pipeline."""

INTEGRATION_MODULES = (
    "subprocess",
    "tests.support.processes",
    "tests.support.servers",
    "tests.support.redis_server",
    "tests.support.sim",
    "tests.support.ask",
    "tests.fakes",
)
"""A test that uses one of these (or something from one), itself or through the test helpers it calls,
starts real processes or servers."""


def from_integration_module(value: object) -> bool:
    """Is `value` one of INTEGRATION_MODULES, or a function, class or object from one?"""
    name = value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", None)
    return isinstance(name, str) and any(name == m or name.startswith(m + ".") for m in INTEGRATION_MODULES)


def reaches_integration(func: FunctionType, seen: set[FunctionType]) -> bool:
    """Does `func` (its lambdas and inner functions included) name something from INTEGRATION_MODULES,
    directly or through a helper function of the test suite that it calls?"""
    seen.add(func)
    codes = [func.__code__]
    while codes:
        code = codes.pop()
        codes += [const for const in code.co_consts if isinstance(const, CodeType)]
        for name in code.co_names:
            value = func.__globals__.get(name)
            if from_integration_module(value):
                return True
            if (
                isinstance(value, FunctionType)
                and value.__module__.startswith("tests.")
                and value not in seen
                and reaches_integration(value, seen)
            ):
                return True
    return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark `integration` every test that uses a real process, Redis, a fake server or the simulator:
    by the fixtures it uses, by its folder, or by what its code calls. The rest are unit tests (`make
    test-fast` runs those)."""
    integration = pytest.mark.integration
    for item in items:
        path = Path(str(item.fspath))
        function = getattr(item, "function", None)
        if (
            INTEGRATION_FIXTURES.intersection(getattr(item, "fixturenames", ()))
            or any(folder in path.parents for folder in INTEGRATION_FOLDERS)
            or (isinstance(function, FunctionType) and reaches_integration(function, set()))
        ):
            item.add_marker(integration)


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
def sim() -> Iterator[simulator.Sim]:
    """The TGI simulator at a fast token rate, answering known problems from the shared problem sets."""
    app = simulator.start(tokens_per_second=2000.0, reasoning_tokens=300)
    yield app
    app.stop()


@pytest.fixture
def env(redis_url: str, sim: simulator.Sim) -> dict[str, str]:
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
