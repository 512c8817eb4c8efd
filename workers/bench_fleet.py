"""Several servers, one mathbot: throughput of a fleet of simulated servers, and a server killed mid-run.

Each row starts its simulators (`--capacity C` generations each, 429 beyond), a worker pool with one
worker per question and `TGI_URL` listing the servers, enqueues all questions at once and follows them
through the console event stream until each has its final message. Rows: one server at its capacity
(the baseline), one server at 4C questions, N servers at N·C questions, and the same with one server
killed (SIGKILL) once every server is streaming. Prints a table: answered (exactly once) / failed,
duplicates, wall time, answers per minute and tokens per second, and the speed-up over the baseline.

    python -m workers.bench_fleet [--servers 4] [--capacity 4] [--tokens-per-second 200]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass

import httpx
import redis

from bots.console import stream
from mathbot.jobs import Question, ReplyTarget, Turn
from mathbot.local import ensure_redis, free_port, spawn, stop, wait_http
from mathbot.queue import enqueue, workers_alive
from mathbot.settings import Settings

QUESTION = "Find the sum of all integer bases $b > 9$ for which $17_b$ is a divisor of $97_b$."


@dataclass
class Row:
    name: str
    servers: int
    questions: int
    answered: int = 0
    failed: int = 0
    duplicates: int = 0
    wall: float = 0.0
    tokens: int = 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers.bench_fleet", description=__doc__)
    parser.add_argument("--servers", type=int, default=4)
    parser.add_argument("--capacity", type=int, default=4, help="generations per server before 429")
    parser.add_argument("--tokens-per-second", type=float, default=200.0, help="per stream")
    parser.add_argument("--reasoning-tokens", type=int, default=1000)
    args = parser.parse_args(argv)
    n, c = args.servers, args.capacity
    plan = [
        (f"1 server, {c} questions (baseline)", 1, c, False),
        (f"1 server, {n * c} questions", 1, n * c, False),
        (f"{n} servers, {n * c} questions", n, n * c, False),
        (f"{n} servers, {n * c} questions, 1 killed mid-run", n, n * c, True),
    ]
    with ExitStack() as stack:
        env = dict(os.environ)
        env["REDIS_URL"] = ensure_redis(env.get("REDIS_URL", "redis://localhost:6379/0"), stack)
        env.update({"MATHBOT_PROGRESS_INTERVAL": "1", "MATHBOT_LOG_LEVEL": "WARNING"})
        rows = [run(name, servers, questions, kill, args, env) for name, servers, questions, kill in plan]
    base = rows[0].answered / rows[0].wall if rows[0].wall else 0.0
    print(
        f"\n{args.tokens_per_second:g} tokens/s per stream, ~{args.reasoning_tokens:,}-token reasoning, "
        f"capacity {c} per server, one worker per question\n"
    )
    print("| run | answered once | failed | duplicates | wall | answers/min | tokens/s | vs baseline |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        rate = row.answered / row.wall if row.wall else 0.0
        print(
            f"| {row.name} | {row.answered}/{row.questions} | {row.failed} | {row.duplicates} "
            f"| {row.wall:.1f} s | {60 * rate:.1f} | {row.tokens / row.wall:,.0f} | {rate / base:.2f}× |"
        )
    return 0


def run(
    name: str, servers: int, count: int, kill: bool, args: argparse.Namespace, base_env: dict[str, str]
) -> Row:
    """One row: fresh simulators and workers, `count` questions at once."""
    row = Row(name, servers, count)
    with ExitStack() as stack:
        env = dict(base_env)
        env["MATHBOT_QUEUE"] = f"fleet-bench-{uuid.uuid4().hex[:8]}"
        sims, urls = [], []
        for _ in range(servers):
            port = free_port()
            sim = spawn(
                [
                    "sim", "--port", str(port), "--capacity", str(args.capacity), "--tokens-per-chunk", "10",
                    "--tokens-per-second", str(args.tokens_per_second),
                    "--reasoning-tokens", str(args.reasoning_tokens),
                ],
                env,
                quiet=True,
            )  # fmt: skip
            stack.callback(stop, sim)
            sims.append(sim)
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            wait_http(url + "/health", "a simulator")
        env["TGI_URL"] = ",".join(urls)
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, redis_url=env["REDIS_URL"], tgi_url=env["TGI_URL"], queue=env["MATHBOT_QUEUE"]
        )
        connection = redis.Redis.from_url(settings.redis_url)
        stack.callback(lambda: connection.delete(*connection.keys("mathbot:fleet:*") or ["-"]))
        pool = spawn(["worker", "-n", str(count)], env, quiet=True)
        stack.callback(stop, pool)
        deadline = time.monotonic() + 120
        while workers_alive(settings, connection) < count and time.monotonic() < deadline:
            time.sleep(0.2)
        questions = [
            Question(
                target=ReplyTarget(platform="console", channel=f"fleet-{uuid.uuid4().hex[:10]}"),
                turns=[Turn(role="user", content=QUESTION)],
            )
            for _ in range(count)
        ]
        finals: dict[str, list[str]] = {q.target.channel: [] for q in questions}
        tokens: Counter[str] = Counter()
        started = time.monotonic()
        for question in questions:
            enqueue(question, settings, connection)
        followers = [
            threading.Thread(
                target=follow, args=(settings.redis_url, q.target.channel, finals, tokens), daemon=True
            )
            for q in questions
        ]
        for thread in followers:
            thread.start()
        if kill:
            killer = threading.Thread(target=kill_one, args=(sims[0], urls), daemon=True)
            killer.start()
        while any(not kinds for kinds in finals.values()) and time.monotonic() - started < 600:
            time.sleep(0.2)
        row.wall = time.monotonic() - started
        time.sleep(2.0)  # a duplicate answer would arrive now
        for kinds in finals.values():
            row.answered += kinds == ["answer"]
            row.failed += "error" in kinds
            row.duplicates += max(0, len(kinds) - 1)
        row.tokens = sum(tokens.values())
        connection.delete(*connection.keys(f"rq:*{settings.queue}*") or ["-"])
    return row


def follow(redis_url: str, channel: str, finals: dict[str, list[str]], tokens: Counter[str]) -> None:
    """Record the final messages of one question (answer or error), and its completion tokens."""
    connection, cursor, deadline = redis.Redis.from_url(redis_url), "0", time.monotonic() + 620
    while time.monotonic() < deadline:
        for event_id, kind, body in stream.read(connection, channel, cursor, block_ms=1000):
            cursor = event_id
            if kind in ("answer", "error"):
                finals[channel].append(kind)
                tokens[channel] += int(body.get("completion_tokens") or 0)


def kill_one(sim: subprocess.Popen[bytes], urls: list[str]) -> None:
    """SIGKILL the first simulator once every server has generations in flight."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            busy = [httpx.get(url + "/_sim/stats", timeout=2).json()["in_flight"] for url in urls]
        except httpx.HTTPError:
            busy = [0]
        if all(busy):
            break
        time.sleep(0.2)
    sim.send_signal(signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
