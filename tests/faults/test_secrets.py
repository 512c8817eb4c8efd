"""Secrets never appear in logs, errors or replies: a full run at DEBUG, every byte searched."""

from __future__ import annotations

from pathlib import Path

from tests.support import processes
from tests.support.env import settings_env

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
        answered = processes.run(["--log-level", "DEBUG", "ask", "What is 6 times 7?"], env)
        sim.faults(error_status=401, error_count=5)
        refused = processes.run(["--log-level", "DEBUG", "ask", "What is 5 times 7?"], env)
    finally:
        processes.stop(worker)
    assert answered.returncode == 0, answered.stderr
    assert refused.returncode == 1 and "credentials" in refused.stderr
    outputs = answered.stdout + answered.stderr + refused.stdout + refused.stderr + worker_log.read_text()
    assert "DEBUG" in outputs  # the run really logged at debug level
    for name, secret in SECRETS.items():
        assert secret not in outputs, f"{name} leaked"
