"""Secrets never appear in logs, errors or replies: a full run at DEBUG, every byte searched."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import settings_env
from tests.support import processes

SECRETS = {
    "TGI_API_KEY": "tgi-key-SECRET-0123456789abcdef",
    "SLACK_BOT_TOKEN": "xoxb-SECRET-111111111111-222222222222",
    "SLACK_SIGNING_SECRET": "signing-SECRET-abcdef0123456789",
    "DISCORD_BOT_TOKEN": "discord.SECRET.token-0123456789abcdef",
}


def test_no_secret_in_any_output_of_a_full_run(redis_url, sim, tmp_path: Path) -> None:
    env = settings_env(redis_url, sim.url, MATHBOT_LOG_LEVEL="DEBUG", MATHBOT_SERVER_RETRIES="1", **SECRETS)
    worker_log = tmp_path / "worker.log"
    worker = processes.start(["worker"], env, log=worker_log)
    try:
        answered = subprocess.run(
            [sys.executable, "-m", "mathbot.cli", "--log-level", "DEBUG", "ask", "What is 6 times 7?"],
            env=processes.mathbot_env(env),
            cwd=processes.ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        httpx.post(sim.url + "/_sim/faults", json={"error_status": 401, "error_count": 5})
        refused = subprocess.run(
            [sys.executable, "-m", "mathbot.cli", "--log-level", "DEBUG", "ask", "What is 5 times 7?"],
            env=processes.mathbot_env(env),
            cwd=processes.ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        processes.stop(worker)
    assert answered.returncode == 0, answered.stderr
    assert refused.returncode == 1 and "credentials" in refused.stderr
    outputs = answered.stdout + answered.stderr + refused.stdout + refused.stderr + worker_log.read_text()
    assert "DEBUG" in outputs  # the run really logged at debug level
    for name, secret in SECRETS.items():
        assert secret not in outputs, f"{name} leaked"
