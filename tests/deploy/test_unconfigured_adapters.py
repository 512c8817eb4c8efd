"""An adapter with no credentials at all is not in use: one plain line and exit 0, so that compose's
`restart: on-failure` leaves it stopped instead of restarting it forever."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.processes import mathbot_env
from tests.support.servers import free_port

NOT_CONFIGURED = {
    "slack": "Slack is not configured (no SLACK_BOT_TOKEN): the Slack adapter is not started",
    "discord": "Discord is not configured (no DISCORD_BOT_TOKEN): the Discord adapter is not started",
}


@pytest.mark.parametrize("command", ["slack", "discord"])
def test_an_adapter_without_credentials_says_so_once_and_exits_0(command: str, tmp_path: Path) -> None:
    # Nothing listens on these ports: an adapter that tried to reach Redis or its platform would hang
    # or fail there instead of stopping at once.
    closed = free_port()
    env = {
        "REDIS_URL": f"redis://127.0.0.1:{closed}/0",
        "SLACK_API_URL": f"http://127.0.0.1:{closed}/api/",
        "DISCORD_API_URL": f"http://127.0.0.1:{closed}/api/v10",
        "PORT": str(free_port()),
    }
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "mathbot.cli", command],
        env=mathbot_env(env),
        cwd=tmp_path,  # no `.env` here to lend it credentials
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].endswith(NOT_CONFIGURED[command]), lines[0]
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 30


def test_slack_with_some_credentials_but_not_all_is_still_an_error(tmp_path: Path) -> None:
    """A signing secret without the bot token is a mistake to fix, not an unused adapter."""
    env = {"SLACK_SIGNING_SECRET": "0123456789abcdef0123456789abcdef", "PORT": str(free_port())}
    result = subprocess.run(
        [sys.executable, "-m", "mathbot.cli", "slack"],
        env=mathbot_env(env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN is not set" in result.stderr
