"""Start mathbot commands as separate processes, the way an operator runs them, with only the
environment a test gives them: nothing of the developer's own configuration comes along."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from tests.support.waiting import wait_for as wait_for  # where many tests reach it

ROOT = Path(__file__).resolve().parents[2]

_WORKDIR = tempfile.TemporaryDirectory(prefix="mathbot-test-cwd-")
WORKDIR = Path(_WORKDIR.name)
"""The working directory of every mathbot process a test starts: an empty folder, removed at exit.
`Settings` reads `.env` from the working directory, and a developer's `.env` in the checkout (their
tokens, their Redis, their queue) must not reach the processes under test."""


def mathbot_env(settings_env: Mapping[str, str]) -> dict[str, str]:
    """The test's own environment without any mathbot, Slack, Discord or TGI variable, plus `settings_env`."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("MATHBOT_", "SLACK_", "DISCORD_", "TGI_"))
    }
    env.pop("HF_HUB_OFFLINE", None)
    env.update(settings_env)
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start(args: list[str], env: Mapping[str, str], log: Path | None = None) -> subprocess.Popen[bytes]:
    """`mathbot ARGS` in a new process group (so a test can kill it and its work horses)."""
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - the process owns it
    return subprocess.Popen(
        [sys.executable, "-m", "mathbot.cli", *args],
        env=mathbot_env(env),
        cwd=WORKDIR,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_interruptible,
    )


def _interruptible() -> None:
    """In the child, before it runs: Ctrl-C (SIGINT) stops it, as at a terminal, also when the tests run
    in the background (a shell starts background jobs with SIGINT ignored, and Python keeps that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run(args: list[str], env: Mapping[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`mathbot ARGS` to its end; its exit code, stdout and stderr (as text) in the result."""
    return subprocess.run(
        [sys.executable, "-m", "mathbot.cli", *args],
        env=mathbot_env(env),
        cwd=WORKDIR,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 10) -> None:
    """Signal the process group, then SIGKILL it if it has not exited within `timeout` seconds."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=timeout)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def gone(pid: int) -> bool:
    """Whether a process has exited (a zombie waiting for its reaper counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
