"""Capacity benchmark: N concurrent generations through a worker pool against the simulator.

Prints the time from `mathbot ask` to its first progress line, the time from enqueue to the first
progress event under load, the memory each in-flight generation costs (PSS of the worker pool's
processes, work horses included, divided by the generations in flight), and throughput.

    python -m workers.bench [--generations 64] [--tokens-per-second 100] [--reasoning-tokens 3000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid

import httpx
import redis

from bots.console import stream
from mathbot.jobs import Question, ReplyTarget, Turn
from mathbot.local import ensure_redis, free_port, spawn, stop, wait_http
from mathbot.queue import enqueue, workers_alive
from mathbot.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers.bench", description=__doc__)
    parser.add_argument("--generations", type=int, default=64, help="questions in flight at once")
    parser.add_argument("--tokens-per-second", type=float, default=100.0, help="simulated speed per stream")
    parser.add_argument("--reasoning-tokens", type=int, default=3000, help="simulated reasoning length")
    args = parser.parse_args(argv)

    from contextlib import ExitStack

    with ExitStack() as stack:
        env = dict(os.environ)
        env["REDIS_URL"] = ensure_redis(env.get("REDIS_URL", "redis://localhost:6379/0"), stack, "bench")
        env["MATHBOT_QUEUE"] = f"bench-{uuid.uuid4().hex[:8]}"
        env["MATHBOT_PROGRESS_INTERVAL"] = "1"
        port = free_port()
        sim = spawn(
            [
                "sim",
                "--port",
                str(port),
                "--tokens-per-second",
                str(args.tokens_per_second),
                "--capacity",
                str(max(64, args.generations)),
                "--reasoning-tokens",
                str(args.reasoning_tokens),
            ],
            env,
            quiet=True,
        )
        stack.callback(stop, sim)
        env["TGI_URL"] = f"http://127.0.0.1:{port}"
        wait_http(env["TGI_URL"] + "/health", "the simulator", who="bench")
        os.environ.update({k: env[k] for k in ("REDIS_URL", "MATHBOT_QUEUE", "TGI_URL")})
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
        connection = redis.Redis.from_url(settings.redis_url)

        started = time.monotonic()
        pool = spawn(["worker", "-n", str(args.generations)], env, quiet=True)
        stack.callback(stop, pool)
        while workers_alive(settings, connection) < args.generations:
            time.sleep(0.2)
        print(f"workers: {args.generations} ready in {time.monotonic() - started:.1f} s")

        ask_first_line(env)
        measure_load(args, settings, connection, pool.pid)
        connection.delete(*connection.keys(f"rq:*{settings.queue}*") or ["-"])
    return 0


def ask_first_line(env: dict[str, str]) -> None:
    """Wall time from starting `mathbot ask` to its first progress line showing the model at work."""
    times = []
    for _ in range(3):
        t0 = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "mathbot.cli", "ask", "What is 17 * 23?"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        first_queued = first_thinking = None
        assert process.stderr is not None
        for line in process.stderr:
            if first_queued is None and line.startswith("queued"):
                first_queued = time.monotonic() - t0
            if line.startswith(("thinking", "answering")):
                first_thinking = time.monotonic() - t0
                break
        process.kill()
        process.wait()
        times.append((first_queued or 0.0, first_thinking or float("nan")))
    queued = statistics.median(t[0] for t in times)
    thinking = statistics.median(t[1] for t in times)
    print(
        f"mathbot ask → 'queued' line: {queued:.2f} s; → first 'thinking' progress line: {thinking:.2f} s "
        "(median of 3, idle workers; includes Python start-up of the ask process)"
    )


def measure_load(
    args: argparse.Namespace, settings: Settings, connection: redis.Redis, pool_pid: int
) -> None:
    questions = [
        Question(
            target=ReplyTarget(platform="console", channel=f"bench-{i}-{uuid.uuid4().hex[:6]}"),
            turns=[Turn(role="user", content=f"Benchmark question {i}: what is {i} + {i}?")],
        )
        for i in range(args.generations)
    ]
    firsts: dict[str, float] = {}
    done: dict[str, float] = {}
    t0 = time.monotonic()
    for q in questions:
        enqueue(q, settings, connection)

    def follow(q: Question) -> None:
        cursor, conn = "0", redis.Redis.from_url(settings.redis_url)
        while q.target.channel not in done and time.monotonic() - t0 < 1800:
            for event_id, kind, _ in stream.read(conn, q.target.channel, cursor, block_ms=1000):
                cursor = event_id
                if kind == "progress" and q.target.channel not in firsts:
                    firsts[q.target.channel] = time.monotonic() - t0
                if kind in ("answer", "error"):
                    done[q.target.channel] = time.monotonic() - t0

    threads = [threading.Thread(target=follow, args=(q,), daemon=True) for q in questions]
    for t in threads:
        t.start()
    peak_in_flight, pss_at_peak, rss_at_peak = 0, 0, 0
    while len(done) < len(questions) and time.monotonic() - t0 < 1800:
        stats = httpx.get(settings.tgi_url + "/_sim/stats").json()
        in_flight = int(stats.get("in_flight", 0))
        if in_flight >= peak_in_flight and in_flight > 0:
            pss, rss = tree_memory(pool_pid)
            peak_in_flight, pss_at_peak, rss_at_peak = in_flight, pss, rss
        time.sleep(1.0)
    elapsed = time.monotonic() - t0
    first = sorted(firsts.values())
    print(
        f"load: {len(done)}/{len(questions)} answered in {elapsed:.1f} s; peak {peak_in_flight} generations "
        f"in flight at the simulator"
    )
    if first:
        print(
            f"enqueue → first progress event: median {statistics.median(first):.2f} s, max {first[-1]:.2f} s"
        )
    if peak_in_flight:
        print(
            f"worker pool memory at peak: PSS {pss_at_peak / 2**20:.0f} MiB, "
            f"RSS sum {rss_at_peak / 2**20:.0f} MiB "
            f"→ {pss_at_peak / peak_in_flight / 2**20:.1f} MiB PSS per in-flight generation"
        )


def tree_memory(root: int) -> tuple[int, int]:
    """(PSS, RSS) in bytes of a process and all its descendants, from /proc."""
    pids, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        pids.append(pid)
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                frontier.extend(int(p) for p in f.read().split())
        except OSError:
            continue
    pss = rss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
        except OSError:
            continue
    return pss, rss


if __name__ == "__main__":
    sys.exit(main())
