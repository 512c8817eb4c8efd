"""Kill storm: several worker pools answer chat questions while work horses and whole worker processes
are SIGKILLed at random; then every thread must show its answer (or, for a question whose runs were
killed more often than mathbot restarts one, the plain "stopped unexpectedly" error), and nothing is
lost, answered twice or left showing progress.

The real pipeline throughout: the fake Discord or fake Slack, the real adapter process, `mathbot
worker -n N` pools (RQ's WorkerPool), Redis and the TGI simulator answering AIME 2025 problems.

    .venv/bin/python -m tests.faults.storm --platform discord --pools 2 --workers 3 --questions 8 --seconds 75

Uses the Redis at MATHBOT_TEST_REDIS_URL (default redis://127.0.0.1:6379/15) and flushes it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import random
import signal
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis
from rq import Worker

from mathbot import queue as questions_queue
from mathbot import runs
from mathbot.sim import SimConfig, make_app
from tests.conftest import DATA_DIR, TEST_REDIS_URL
from tests.faults.chat_sides import Side, Thread, question_behind, side
from tests.support import processes
from tests.support.servers import ThreadedApp

RESTARTS = questions_queue.WORKER_LOST_RETRIES
"""Times mathbot starts a question again after its run died: one more death is a legitimate error."""

SETTINGS = {
    "MATHBOT_USER_IN_FLIGHT": "100",
    "MATHBOT_USER_PER_HOUR": "1000",
    "MATHBOT_CHANNEL_IN_FLIGHT": "100",
    "MATHBOT_CHANNEL_PER_HOUR": "1000",
    "MATHBOT_PROGRESS_INTERVAL": "1",
    "MATHBOT_SLACK_MAX_IMAGES": "0",
}
"""One person asks every question of the storm: limits out of the way; progress about once a second."""


@dataclass(frozen=True)
class Storm:
    """A scenario: where, how many, how long, how fast."""

    platform: str = "discord"
    pools: int = 2
    workers: int = 3
    """Workers per pool (`mathbot worker -n WORKERS`)."""
    questions: int = 8
    seconds: float = 75.0
    """How long the kills go on."""
    gap: tuple[float, float] = (3.0, 7.0)
    """Seconds between two kills, drawn uniformly."""
    tokens_per_second: float = 40.0
    reasoning_tokens: int = 2400
    """About a minute an answer: longer than a lost worker takes to be noticed (~45 s), so a restarted
    run overlaps the run it replaces (the orphan of a killed worker, were it not killed with it)."""
    settle: float = 240.0
    """Seconds after the storm for every thread to show its last word."""
    seed: int = 13


@dataclass
class Kill:
    at: float
    what: str
    """"horse" or "worker"."""
    pid: int
    question: str | None
    """The job the killed process was running, if any."""


@dataclass
class Outcome:
    """What the storm left behind."""

    storm: Storm
    kills: list[Kill] = field(default_factory=list)
    threads: dict[str, Thread] = field(default_factory=dict)
    """Thread → what it shows, after the storm and the settling."""
    ids: dict[str, str | None] = field(default_factory=dict)
    """Thread → its question id."""
    expected: dict[str, str] = field(default_factory=dict)
    """Thread → the official answer."""
    changed_after_final: list[str] = field(default_factory=list)
    """Threads whose placeholder changed after it showed its last word (checked over a quiet spell)."""
    generations: int = 0
    seconds: float = 0.0

    def kills_of(self, thread: str) -> int:
        """Kills that hit one of the question's runs."""
        question = self.ids.get(thread)
        return sum(1 for k in self.kills if question is not None and k.question == question)

    def counts(self) -> Counter[str]:
        tally: Counter[str] = Counter()
        for thread, shown in self.threads.items():
            if shown.shows == "answer":
                tally["answer"] += 1
                tally["right answer"] += shown.final == self.expected[thread]
            elif shown.shows == "error":
                legit = self.kills_of(thread) > RESTARTS and "stopped unexpectedly" in shown.text
                tally["error (killed too often)" if legit else "false error"] += 1
            elif shown.shows == "progress":
                tally["progress"] += 1
            else:
                tally["lost"] += 1
            tally["answered twice"] += shown.answer_edits > 1
        tally["changed after its last word"] = len(self.changed_after_final)
        return tally

    def report(self) -> str:
        storm, counts = self.storm, self.counts()
        kinds = Counter(k.what for k in self.kills)
        hit = sum(1 for k in self.kills if k.question)
        lines = [
            f"{storm.platform} kill storm: {storm.pools} pools x {storm.workers} workers, {storm.questions} "
            f"questions, {storm.seconds:.0f} s of kills every {storm.gap[0]:g}-{storm.gap[1]:g} s: "
            f"{len(self.kills)} kills ({kinds['horse']} work horses, {kinds['worker']} workers), "
            f"{hit} of them mid-answer; {self.generations} generations; {self.seconds:.0f} s in all",
            f"threads: {len(self.threads)}; showing their answer: {counts['answer']} "
            f"(right: {counts['right answer']}); showing 'stopped unexpectedly' after more than "
            f"{RESTARTS} kill(s) of their runs: {counts['error (killed too often)']}; false errors: "
            f"{counts['false error']}; showing progress: {counts['progress']}; lost: {counts['lost']}; "
            f"answered twice: {counts['answered twice']}; changed after their last word: "
            f"{counts['changed after its last word']}",
        ]
        for thread, shown in self.threads.items():
            lines.append(
                f"  thread {thread}: {shown.shows} {shown.text[:60]!r} (official {self.expected[thread]}; "
                f"runs killed {self.kills_of(thread)}; answer edits {shown.answer_edits})"
            )
        return "\n".join(lines)

    def problems(self) -> list[str]:
        """Everything that breaks exactly-once; empty when the storm left nothing wrong."""
        counts = self.counts()
        wrong = counts["answer"] - counts["right answer"]
        bad = {
            "false error": counts["false error"],
            "progress": counts["progress"],
            "lost": counts["lost"],
            "answered twice": counts["answered twice"],
            "wrong answer": wrong,
            "changed after its last word": counts["changed after its last word"],
        }
        return [f"{n} thread(s): {what}" for what, n in bad.items() if n]


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def horses_of(worker: int) -> list[int]:
    """A worker's work horses: its children that lead a process group of their own (RQ's scheduler
    process, also a child of one pool worker, does not)."""
    found = []
    for child in children(worker):
        try:
            if os.getpgid(child) == child:
                found.append(child)
        except ProcessLookupError:
            continue
    return found


def running_jobs(connection: redis.Redis) -> dict[int, str]:
    """Worker pid → the job it runs now (from RQ's worker registry)."""
    found: dict[int, str] = {}
    for worker in Worker.all(connection=connection):
        job = worker.get_current_job_id()
        if job and worker.pid:
            found[worker.pid] = job
    return found


def kill_one(
    pools: list[subprocess.Popen[bytes]], connection: redis.Redis, rng: random.Random
) -> Kill | None:
    """SIGKILL one work horse or one worker process (mostly busy ones), chosen at random."""
    workers = [pid for pool in pools for pid in children(pool.pid)]
    horses = {pid: horses_of(pid) for pid in workers}
    busy = [pid for pid, found in horses.items() if found]
    jobs = running_jobs(connection)
    if rng.random() < 0.5 and busy:
        worker = rng.choice(busy)
        victim, what = rng.choice(horses[worker]), "horse"
    elif workers:
        worker = rng.choice(busy if busy and rng.random() < 0.8 else workers)
        victim, what = worker, "worker"
    else:
        return None
    try:
        os.kill(victim, signal.SIGKILL)
    except ProcessLookupError:
        return None
    return Kill(time.monotonic(), what, victim, jobs.get(worker))


def problems(count: int) -> list[tuple[str, str]]:
    """(problem, official answer) of AIME 2025, the first `count`."""
    rows = [json.loads(line) for line in (DATA_DIR / "aime_2025.jsonl").read_text().splitlines()]
    return [(row["problem"], str(row["answer"])) for row in rows[:count]]


def last_words(chat: Side, outcome: Outcome) -> bool:
    """Whether every thread shows an answer or an error."""
    outcome.threads = {t: chat.look(t) for t in outcome.expected}
    return all(shown.shows in ("answer", "error") for shown in outcome.threads.values())


def run_storm(storm: Storm, redis_url: str = TEST_REDIS_URL, logs: Path | None = None) -> Outcome:
    """Run the scenario on the Redis at `redis_url` (flushed first); worker and adapter logs in `logs`."""
    logs = logs or Path(tempfile.mkdtemp(prefix="mathbot-storm-"))
    connection = redis.Redis.from_url(redis_url)
    connection.flushdb()
    rng = random.Random(storm.seed)
    config = SimConfig(
        tokens_per_second=storm.tokens_per_second,
        reasoning_tokens=storm.reasoning_tokens,
        data_dir=str(DATA_DIR),
    )
    sim = ThreadedApp(lambda: make_app(config)).start()
    chat = side(storm.platform)
    outcome = Outcome(storm)
    pools: list[subprocess.Popen[bytes]] = []
    started = time.monotonic()
    try:
        env = chat.env(redis_url, sim.url, **SETTINGS)
        chat.start(env, logs)
        for n in range(storm.pools):
            pools.append(
                processes.start(["worker", "-n", str(storm.workers)], env, log=logs / f"pool{n + 1}.log")
            )
        everyone = storm.pools * storm.workers
        processes.wait_for(
            lambda: len(Worker.all(connection=connection)) >= everyone, timeout=60, message="the pools"
        )
        for number, (problem, answer) in enumerate(problems(storm.questions), start=1):
            outcome.expected[chat.ask(number, problem)] = answer
        storm_ends = time.monotonic() + storm.seconds
        while time.monotonic() < storm_ends:
            time.sleep(rng.uniform(*storm.gap))
            kill = kill_one(pools, connection, rng)
            if kill is not None:
                outcome.kills.append(kill)
        with contextlib.suppress(AssertionError):  # what never got its last word is reported
            processes.wait_for(
                lambda: last_words(chat, outcome), timeout=storm.settle, interval=1.0, message="last words"
            )
        settled = {t: chat.look(t) for t in outcome.expected}
        time.sleep(5.0)  # anything late (a progress edit, a second answer) would show now
        outcome.threads = {t: chat.look(t) for t in outcome.expected}
        outcome.changed_after_final = [
            t
            for t, shown in outcome.threads.items()
            if settled[t].shows in ("answer", "error") and shown != settled[t]
        ]
        outcome.ids = {
            t: question_behind(connection, storm.platform, shown.placeholder)
            for t, shown in outcome.threads.items()
        }
        outcome.generations = httpx.get(sim.url + "/_sim/stats").json()["generations_started"]
    finally:
        for pool in pools:
            processes.stop(pool)
        chat.stop()
        sim.stop()
        outcome.seconds = time.monotonic() - started
        unfinished = [q for q in outcome.ids.values() if q and runs.state(connection, q) is None]
        if unfinished:
            print(f"questions never marked over: {unfinished}")
        connection.flushdb()
        connection.close()
    print(f"logs: {logs}")
    return outcome


def main(argv: list[str] | None = None) -> int:
    defaults = Storm()
    parser = argparse.ArgumentParser(prog="python -m tests.faults.storm", description=__doc__)
    parser.add_argument("--platform", choices=("discord", "slack"), default=defaults.platform)
    parser.add_argument("--pools", type=int, default=defaults.pools)
    parser.add_argument("--workers", type=int, default=defaults.workers, help="workers per pool")
    parser.add_argument("--questions", type=int, default=defaults.questions, help="at most 30")
    parser.add_argument("--seconds", type=float, default=defaults.seconds, help="how long the kills go on")
    parser.add_argument("--gap", type=float, nargs=2, default=defaults.gap, help="seconds between kills")
    parser.add_argument("--tokens-per-second", type=float, default=defaults.tokens_per_second)
    parser.add_argument("--reasoning-tokens", type=int, default=defaults.reasoning_tokens)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    args = parser.parse_args(argv)
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)  # a killed horse drops its requests
    storm = Storm(
        args.platform,
        args.pools,
        args.workers,
        args.questions,
        args.seconds,
        tuple(args.gap),
        args.tokens_per_second,
        args.reasoning_tokens,
        seed=args.seed,
    )
    outcome = run_storm(storm)
    print(outcome.report())
    found = outcome.problems()
    print("exactly once: " + ("yes" if not found else "NO: " + "; ".join(found)))
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
