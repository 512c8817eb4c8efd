"""Starting without a usable Redis: every command stops within seconds with one line that names
REDIS_URL (password masked) and says how to start one; never a traceback, never a long silence."""

from __future__ import annotations

import subprocess
import time

import pytest

from tests.support import processes
from tests.support.env import TEST_REDIS_URL
from tests.support.servers import free_port

PASSWORD = "s3cret-pw"
CREDENTIALS = {
    "SLACK_BOT_TOKEN": "xoxb-not-checked-0000",
    "SLACK_SIGNING_SECRET": "not-checked-signing-secret",
    "DISCORD_BOT_TOKEN": "not.checked.discord-token",
    "SLACK_API_URL": "http://127.0.0.1:9/api/",
    "DISCORD_API_URL": "http://127.0.0.1:9/api/v10",
    "TGI_URL": "http://127.0.0.1:9",
}
FAST = 10.0
"""Seconds a refusal may take, Python's start-up on a busy machine included (it took 24 s and more)."""


def run(args: list[str], redis_url: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    result = processes.run(args, {**CREDENTIALS, "REDIS_URL": redis_url}, timeout=150)
    return result, time.monotonic() - started


COMMANDS = [["worker"], ["ask", "What is 2 + 2?"], ["slack"], ["discord"]]


@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_no_redis_there_stops_every_command_at_once_with_one_line(command: list[str]) -> None:
    port = free_port()
    result, seconds = run(command, f"redis://:{PASSWORD}@127.0.0.1:{port}/0")
    assert result.returncode == 1 and seconds < FAST, (seconds, result.stderr)
    assert result.stderr.count("\n") == 1 and not result.stdout, result.stderr
    assert result.stderr.startswith(
        f"mathbot: no Redis answers at REDIS_URL=redis://:[redacted]@127.0.0.1:{port}/0"
    )
    assert "`redis-server`" in result.stderr and "make redis" in result.stderr
    assert PASSWORD not in result.stderr


@pytest.mark.parametrize("command", [["worker"], ["ask", "hi"], ["demo", "--question", "hi"]])
def test_a_redis_url_without_a_scheme_is_one_line_naming_the_variable(command: list[str]) -> None:
    result, seconds = run(command, "localhost:6379/0")
    assert result.returncode != 0 and seconds < FAST, (seconds, result.stderr)
    assert result.stderr.count("\n") == 1, result.stderr
    assert "REDIS_URL=localhost:6379/0 is not a Redis URL: write it as redis://HOST:6379/0" in result.stderr


def test_tls_against_a_plain_redis_is_one_line_within_seconds() -> None:
    result, seconds = run(["worker"], TEST_REDIS_URL.replace("redis://", "rediss://"))
    assert result.returncode == 1 and seconds < FAST, (seconds, result.stderr)
    assert result.stderr.count("\n") == 1, result.stderr
    assert "no Redis answered at REDIS_URL=rediss://" in result.stderr and "TLS" in result.stderr
