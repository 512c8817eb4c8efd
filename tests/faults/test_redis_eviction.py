"""A Redis that may evict keys drops queued questions without a word: workers and adapters refuse to
start on one unless MATHBOT_ALLOW_EVICTION says the operator accepts it (then they warn), and a Redis
that refuses CONFIG gets one warning that it could not be checked. Each test runs its own redis-server."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import processes
from tests.support.env import settings_env
from tests.support.redis_server import RedisServer

EVICTING = ("--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru")
CREDENTIALS = {
    "SLACK_BOT_TOKEN": "xoxb-not-checked-0000",
    "SLACK_SIGNING_SECRET": "not-checked-signing-secret",
    "DISCORD_BOT_TOKEN": "not.checked.discord-token",
    "SLACK_API_URL": "http://127.0.0.1:9/api/",
    "DISCORD_API_URL": "http://127.0.0.1:9/api/v10",
}


@pytest.fixture
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RedisServer]:
    """A private redis-server started with the options the test is parametrized with."""
    started = RedisServer(tmp_path, *request.param).start()
    yield started
    started.stop()


def run(args: list[str], redis_url: str, **extra: str) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {
        **settings_env(redis_url, "http://127.0.0.1:9", MATHBOT_LOG_LEVEL="WARNING"),
        **CREDENTIALS,
        **extra,
    }
    started = time.monotonic()
    result = processes.run(args, env)
    return result, time.monotonic() - started


@pytest.mark.parametrize("server", [EVICTING], indirect=True)
@pytest.mark.parametrize(
    "command", [["worker", "--burst"], ["slack"], ["discord"]], ids=["worker", "slack", "discord"]
)
def test_workers_and_adapters_refuse_a_redis_that_evicts(server: RedisServer, command: list[str]) -> None:
    result, seconds = run(command, server.url)
    assert result.returncode == 1 and seconds < 10, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"mathbot: the Redis at REDIS_URL={server.url} may evict keys")
    assert "maxmemory-policy allkeys-lru" in result.stderr and "MATHBOT_ALLOW_EVICTION=true" in result.stderr


@pytest.mark.parametrize("server", [EVICTING], indirect=True)
def test_the_override_runs_anyway_and_warns(server: RedisServer) -> None:
    result, _ = run(["worker", "--burst"], server.url, MATHBOT_ALLOW_EVICTION="true")
    assert result.returncode == 0, result.stderr
    [warning] = [line for line in result.stderr.splitlines() if "WARNING" in line]
    assert "may evict keys" in warning and "running anyway: MATHBOT_ALLOW_EVICTION is set" in warning


@pytest.mark.parametrize("server", [("--rename-command", "CONFIG", "")], indirect=True)
def test_a_redis_that_refuses_config_is_warned_about_once(server: RedisServer) -> None:
    result, _ = run(["worker", "--burst"], server.url)
    assert result.returncode == 0, result.stderr
    [warning] = [line for line in result.stderr.splitlines() if "WARNING" in line]
    assert "could not check the eviction policy" in warning and "must be noeviction" in warning


@pytest.mark.parametrize(
    "server", [("--maxmemory", "64mb", "--maxmemory-policy", "noeviction")], indirect=True
)
def test_a_full_redis_that_never_evicts_is_fine(server: RedisServer) -> None:
    result, _ = run(["worker", "--burst"], server.url)
    assert result.returncode == 0 and "WARNING" not in result.stderr, result.stderr
