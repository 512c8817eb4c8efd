"""`mathbot ask` on a real terminal (a pseudo-terminal of 80 columns, read back through a terminal
emulator): one status line redrawn in place, never wider than the terminal, a clock that moves every
second, and a total counted from the moment of asking; plain lines when stderr is not a terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pyte

from bots.console import texts
from tests.support import processes
from tests.support.env import settings_env
from tests.support.processes import WORKDIR, mathbot_env
from tests.support.sim import Sim

COLUMNS, ROWS = 80, 24
QUEUED_FOR = 3.0
"""Seconds the question waits before a worker starts: the total must count them."""

QUESTION = "What is the largest prime factor of 2026?"
STATUS = re.compile(r"^(\S )?(Queued|queued|starting|thinking|writing the answer|retrying|waiting)")
CLOCK = re.compile(r"· (\d+):(\d\d)(?: ·|$)")
STATS = re.compile(r"thought for (\d+):(\d\d), total (\d+):(\d\d)\)")


def ask_on_a_terminal(env: dict[str, str], worker_env: dict[str, str], log: Path) -> tuple[int, bytes, str]:
    """Run `mathbot ask` with stderr on an 80-column pseudo-terminal; start a worker QUEUED_FOR seconds
    later. Returns the exit code, every byte written to the terminal, and stdout."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "mathbot.cli", "ask", QUESTION],
        env=mathbot_env(env),
        cwd=WORKDIR,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    raw, worker, started = b"", None, time.monotonic()
    try:
        while time.monotonic() - started < 90:
            if worker is None and time.monotonic() - started > QUEUED_FOR:
                worker = processes.start(["worker"], worker_env, log=log)
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the child closed the terminal
                    break
                raw += chunk
            elif process.poll() is not None:
                break
        assert process.stdout is not None
        out = process.stdout.read().decode()
        return process.wait(timeout=10), raw, out
    finally:
        os.close(master)
        processes.stop(process)
        if worker is not None:
            processes.stop(worker)


def test_the_status_line_fits_the_terminal_moves_every_second_and_counts_from_asking(
    redis_url: str, sim: Sim, tmp_path: Path
) -> None:
    # One 429 first: "retrying · … · mathbot's model server is overloaded…" is wider than 80 columns.
    sim.faults(tokens_per_second=80, overloaded=1)
    env = settings_env(redis_url, sim.url, MATHBOT_PROGRESS_INTERVAL="3")  # news every 3 s at most
    code, raw, out = ask_on_a_terminal(env, env, tmp_path / "worker.log")
    assert code == 0, raw.decode(errors="replace")[-2000:]

    screen = pyte.Screen(COLUMNS, ROWS)
    pyte.ByteStream(screen).feed(raw)
    shown = [line.rstrip() for line in screen.display if line.strip()]
    assert len([line for line in shown if STATUS.match(line)]) == 1, shown  # no stale line left behind

    draws = [d.rstrip("\r\n") for d in raw.decode().split("\r\x1b[2K") if d.strip()]
    assert all(len(d) < COLUMNS for d in draws), [d for d in draws if len(d) >= COLUMNS]
    assert len(draws) >= 8
    assert all(d[0] in texts.SPINNER for d in draws)
    assert len({d[0] for d in draws}) > 3  # the spinner turns

    seconds = sorted({int(m) * 60 + int(s) for d in draws for m, s in CLOCK.findall(d)})
    assert seconds[0] == 0 and len(seconds) >= 5
    assert seconds == list(range(seconds[-1] + 1)), seconds  # every second shown, not every 3 s

    thought_m, thought_s, total_m, total_s = map(int, STATS.search(out).groups())  # type: ignore[union-attr]
    thought, total = thought_m * 60 + thought_s, total_m * 60 + total_s
    assert total >= thought + QUEUED_FOR - 1, out  # the time in the queue counts
    assert total >= seconds[-1]


def test_plain_lines_when_stderr_is_not_a_terminal(redis_url: str, sim: Sim, worker: object) -> None:
    sim.faults(tokens_per_second=300)
    result = subprocess.run(
        [sys.executable, "-m", "mathbot.cli", "ask", QUESTION],
        env=mathbot_env(settings_env(redis_url, sim.url)),
        cwd=WORKDIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) >= 3 and len(lines) == len(set(lines))
    assert not re.search(r"[\r\x1b]", result.stderr)
    assert not any(frame in result.stderr for frame in texts.SPINNER)
    assert all(STATUS.match(line) for line in lines), lines
