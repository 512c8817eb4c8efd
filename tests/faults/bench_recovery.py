"""Recovery benchmark: inject each fault into the real pipeline and time until the asker has the answer.

Console adapter → Redis/RQ → `mathbot worker` processes → the TGI simulator, one question per fault;
prints, per fault, the seconds until the final message, what it was, the first status notice the
asker saw, and how many final messages arrived (1 each: nothing lost, nothing duplicated).

    .venv/bin/python -m tests.faults.bench_recovery    (make bench-faults)

Uses the Redis at MATHBOT_TEST_REDIS_URL (default redis://127.0.0.1:6379/15) and flushes it.
"""

from __future__ import annotations

import argparse
import os
import signal
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis

from bots.console import stream
from mathbot import queue
from mathbot.jobs import Question, ReplyTarget, Turn
from mathbot.settings import Settings
from tests.support import processes
from tests.support import sim as simulator
from tests.support.env import TEST_REDIS_URL, settings_env
from tests.support.sim import Sim

PROBLEM = (
    "Find the sum of all integer bases \\( b > 9 \\) for which \\( 17_b \\) is a divisor of \\( 97_b \\)."
)
"""AIME 2025 problem 1: the simulator boxes its official answer, 70."""


class Bench:
    def __init__(self, connection: redis.Redis, sim: Sim, settings: Settings) -> None:
        self.connection, self.sim, self.settings = connection, sim, settings

    def ask(self) -> Question:
        q = Question(
            target=ReplyTarget(platform="console", channel=""), turns=[Turn(role="user", content=PROBLEM)]
        )
        q = q.model_copy(update={"target": ReplyTarget(platform="console", channel=q.id)})
        queue.enqueue(q, self.settings, self.connection)
        return q

    def events(self, q: Question) -> list[tuple[str, dict[str, Any]]]:
        return [(kind, body) for _, kind, body in stream.read(self.connection, q.id, "0", block_ms=1)]

    def finals(self, q: Question) -> list[tuple[str, dict[str, Any]]]:
        return [(k, b) for k, b in self.events(q) if k in ("answer", "error")]

    def tokens(self, q: Question) -> int:
        return max((b.get("tokens", 0) for k, b in self.events(q) if k == "progress"), default=0)

    def report(self, name: str, q: Question, since: float, note: str = "") -> None:
        processes.wait_for(lambda: self.finals(q), timeout=180, interval=0.05, message=name)
        took = time.monotonic() - since
        time.sleep(1.5)  # anything arriving late would be a duplicate
        finals = self.finals(q)
        kind, body = finals[0]
        shown = body.get("final") if kind == "answer" else body.get("message")
        notices = [b["detail"] for k, b in self.events(q) if k == "progress" and b.get("detail")]
        print(f"{name:<48} {took:6.1f} s  {kind}: {shown}  (final messages: {len(finals)}) {note}")
        if notices:
            print(f"{'':<48}   first notice: {notices[0]}")


def children(pid: int) -> list[int]:
    """The work horses of worker `pid`: its children that lead a process group of their own (RQ's horse
    calls setpgrp; the scheduler process a worker forks when it holds the scheduler's lock does not)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            found = [int(p) for p in f.read().split()]
    except OSError:
        return []
    horses = []
    for child in found:
        try:
            if os.getpgid(child) == child:
                horses.append(child)
        except ProcessLookupError:
            continue
    return horses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults.bench_recovery", description=__doc__)
    parser.add_argument("--tokens-per-second", type=float, default=300.0)
    parser.add_argument("--reasoning-tokens", type=int, default=600)
    args = parser.parse_args(argv)

    connection = redis.Redis.from_url(TEST_REDIS_URL)
    connection.flushdb()
    sim = simulator.start(tokens_per_second=args.tokens_per_second, reasoning_tokens=args.reasoning_tokens)
    env = settings_env(TEST_REDIS_URL, sim.url, MATHBOT_HTTP_TIMEOUT="3", MATHBOT_RETRY_BACKOFF="1")
    os.environ.update(env)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    bench = Bench(connection, sim, settings)
    logs = Path(tempfile.mkdtemp(prefix="mathbot-bench-"))
    first = processes.start(["worker"], env, log=logs / "worker1.log")
    second = None
    try:
        processes.wait_for(lambda: queue.workers_alive(settings, connection) >= 1, timeout=30)
        simple: list[tuple[str, dict[str, Any]]] = [
            ("none (baseline)", {}),
            ("429 twice", {"overloaded": 2}),
            ("stream dies after 200 tokens", {"die_after_tokens": 200}),
            ("SSE error event after 200 tokens", {"stream_error_after_tokens": 200}),
            ("stall 10 s after 200 tokens (timeout 3 s)", {"stall_after_tokens": 200, "stall_seconds": 10}),
            ("429 storm", {"overloaded": 100}),
        ]
        for name, spec in simple:
            if spec:
                sim.faults(**spec)
            q = bench.ask()
            bench.report(name, q, time.monotonic())
        sim.clear_faults()

        def mid_answer(kill: Callable[[], None], name: str, note: Callable[[], str] = lambda: "") -> None:
            sim.faults(tokens_per_second=60)
            q = bench.ask()
            processes.wait_for(lambda: bench.tokens(q) > 40, timeout=60, message="generation under way")
            kill()
            since = time.monotonic()
            sim.faults(tokens_per_second=args.tokens_per_second)
            bench.report(name, q, since, note())

        mid_answer(lambda: os.kill(children(first.pid)[0], signal.SIGKILL), "work horse kill -9 mid-answer")

        second = processes.start(["worker"], env, log=logs / "worker2.log")
        processes.wait_for(lambda: queue.workers_alive(settings, connection) >= 2, timeout=30)

        def node_loss() -> None:
            horses = children(first.pid)
            processes.stop(first, signal.SIGKILL)
            for horse in horses:
                os.kill(horse, signal.SIGKILL)

        mid_answer(node_loss, "worker and horse kill -9 (node loss)")
        survivor = second
        mid_answer(
            lambda: survivor.send_signal(signal.SIGTERM),
            "worker SIGTERM mid-answer",
            lambda: f"(worker exit code {survivor.wait(timeout=120)})",
        )
    finally:
        processes.stop(first, signal.SIGKILL)
        if second is not None:
            processes.stop(second)
        sim.stop()
        connection.flushdb()
    print(f"worker logs: {logs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
