"""An adapter with no credentials at all is not in use: one plain line and exit 0, so that compose's
`restart: on-failure` leaves it stopped instead of restarting it forever."""

from __future__ import annotations

import time

import pytest

from tests.support import processes
from tests.support.servers import free_port

NOT_CONFIGURED = {
    "slack": "Slack is not configured (no SLACK_BOT_TOKEN): the Slack adapter is not started",
    "discord": "Discord is not configured (no DISCORD_BOT_TOKEN): the Discord adapter is not started",
}


@pytest.mark.parametrize("command", ["slack", "discord"])
def test_an_adapter_without_credentials_says_so_once_and_exits_0(command: str) -> None:
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
    result = processes.run([command], env)  # in an empty folder: no `.env` lends it credentials
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].endswith(NOT_CONFIGURED[command]), lines[0]
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 30


def test_slack_with_some_credentials_but_not_all_is_still_an_error() -> None:
    """A signing secret without the bot token is a mistake to fix, not an unused adapter."""
    env = {"SLACK_SIGNING_SECRET": "0123456789abcdef0123456789abcdef", "PORT": str(free_port())}
    result = processes.run(["slack"], env)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN is not set" in result.stderr
