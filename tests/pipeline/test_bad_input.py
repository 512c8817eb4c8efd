"""Bad input to the `mathbot` commands: one clear line and a non-zero exit, never a traceback, never a
silent wrong behaviour (another problem asked, a question left generating for nobody, a silent wait)."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
import redis

from bots.console.texts import EXIT_TIMEOUT
from mathbot.cli import STDIN_PROMPT
from tests.support.env import settings_env
from tests.support.processes import WORKDIR, mathbot_env, wait_for
from tests.support.servers import free_port
from tests.support.sim import Sim


def run(args: list[str], env: dict[str, str], cwd: Path = WORKDIR) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mathbot.cli", *args],
        env=mathbot_env(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["ask", "--samples", "0", "x"], "mathbot ask: argument --samples: must be at least 1, not 0"),
        (["ask", "--samples", "two", "x"], "argument --samples: not a whole number: 'two'"),
        (["ask", "--timeout", "-5", "x"], "argument --timeout: must be more than 0"),
        (["worker", "-n", "0"], "argument -n/--processes: must be at least 1, not 0"),
        (["--log-level", "verbose", "ask", "x"], "argument --log-level: invalid choice: 'VERBOSE'"),
        (["demo", "--samples", "0"], "mathbot demo: argument --samples: must be at least 1, not 0"),
        (["demo", "--accuracy", "1.5"], "argument --accuracy: must be between 0 and 1, not 1.5"),
        (["demo", "--question", "hi", "--id", "3"], "--question asks a problem of its own"),
    ],
)
def test_bad_arguments_are_one_line_usage_errors(args: list[str], says: str) -> None:
    result = run(args, {"REDIS_URL": "redis://127.0.0.1:9/0"})  # never reached: refused before
    assert result.returncode == 2
    line = one_line(result)
    assert says in line and line.endswith("--help`)")


def test_a_log_level_setting_that_is_no_level_is_named() -> None:
    result = run(["worker"], {"MATHBOT_LOG_LEVEL": "verbose"})
    assert result.returncode == 2
    assert one_line(result).startswith("mathbot: invalid settings: MATHBOT_LOG_LEVEL: ")
    assert run(["--log-level", "debug", "--help"], {}).returncode == 0  # any case is fine


def test_an_unwritable_reasoning_file_is_refused_before_asking(
    redis_url: str, redis_conn: redis.Redis, tmp_path: Path
) -> None:
    for path, why in ((tmp_path / "missing" / "r.md", "there is no folder"), (tmp_path, "it is a folder")):
        result = run(["ask", "--reasoning", str(path), "What is 1+1?"], {"REDIS_URL": redis_url})
        assert result.returncode == 2
        line = one_line(result)
        assert line.startswith(f"mathbot: cannot write the reasoning to {path}: {why}"), line
    assert not redis_conn.keys("rq:job:*")  # nothing was asked


def test_discord_unreachable_is_one_line(redis_url: str) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v10"
    env = {"REDIS_URL": redis_url, "DISCORD_BOT_TOKEN": "fake.discord.token", "DISCORD_API_URL": url}
    result = run(["discord"], {**env, "MATHBOT_LOG_LEVEL": "WARNING"})
    assert result.returncode == 1
    assert one_line(result).endswith(
        f"ERROR bots.discord.app: Discord's API is not reachable at {url}: ClientConnectorError"
    )


def problem_sets(folder: Path) -> Path:
    folder.mkdir()
    rows = [
        {"id": 5, "problem": "What is 2 + 3?", "answer": 5},
        {"id": 6, "problem": "What is 2 * 3?", "answer": 6},
    ]
    (folder / "tiny.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return folder


def test_the_demo_refuses_a_set_or_id_it_does_not_have(tmp_path: Path) -> None:
    env = {"MATHBOT_DATA_DIR": str(problem_sets(tmp_path / "sets")), "REDIS_URL": "redis://127.0.0.1:9/0"}
    cases = [
        (["--set", "aime_2052"], f"demo: no problem set 'aime_2052' in {tmp_path / 'sets'} (there: tiny)"),
        (["--set", "tiny", "--id", "1"], "demo: tiny has no problem '1' (its 2 ids: 5 … 6)"),
        ([], f"demo: no problem set 'aime_2025' in {tmp_path / 'sets'} (there: tiny)"),
    ]
    for args, says in cases:
        result = run(["demo", *args], env)
        assert (result.returncode, one_line(result)) == (2, says)
    missing = run(["demo"], {**env, "MATHBOT_DATA_DIR": str(tmp_path / "nowhere")})
    assert (missing.returncode, one_line(missing)) == (
        2,
        f"demo: MATHBOT_DATA_DIR={tmp_path / 'nowhere'} is not a folder",
    )


def test_ask_dash_on_a_terminal_says_how_to_end_the_question(
    redis_url: str, sim: Sim, worker: object
) -> None:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "mathbot.cli", "ask", "-"],
        env=mathbot_env(settings_env(redis_url, sim.url)),
        cwd=WORKDIR,
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    try:
        seen = b""
        deadline = time.monotonic() + 20
        while STDIN_PROMPT.encode() not in seen and time.monotonic() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                seen += os.read(master, 4096)
        assert STDIN_PROMPT.encode() in seen
        os.write(master, b"What is 2 + 2?\n\x04")  # Ctrl-D on an empty line ends it
        while process.poll() is None and time.monotonic() < deadline + 40:
            if select.select([master], [], [], 0.2)[0]:
                try:
                    os.read(master, 65536)
                except OSError:  # the terminal's other end is closed: the process has ended
                    break
        assert process.stdout is not None
        assert process.wait(timeout=5) == 0
        assert "Final answer" in process.stdout.read().decode()
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()


def test_a_timeout_cancels_the_question(redis_url: str, sim: Sim, worker: object) -> None:
    """The asker has gone: no worker keeps generating an answer nobody will read."""
    sim.faults(tokens_per_second=20)
    result = run(["ask", "--timeout", "3", "What is 17 * 26?"], settings_env(redis_url, sim.url))
    assert result.returncode == EXIT_TIMEOUT
    assert result.stderr.splitlines()[-1] == (
        "mathbot: no answer within 3 s; the question was cancelled (--timeout SECONDS waits longer)."
    )
    wait_for(lambda: sim.stats()["in_flight"] == 0, 10, message="the generation to stop")
    assert sim.stats()["generations_started"] == 1 and sim.stats()["generations_completed"] == 0
