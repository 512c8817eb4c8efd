"""Through the pipeline: N questions enqueued at once for a pool of N `mathbot worker` processes, answered
through Redis, RQ's work horses and the console's event stream, as `mathbot ask` is."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import redis

from mathbot import keys, queue
from mathbot.jobs import Question, ReplyTarget, Turn
from mathbot.local import forget_queue
from mathbot.settings import Settings
from workers.bench import procs

POOL_START_TIMEOUT = 180.0
"""Seconds a pool of workers may take to register every worker."""


@dataclass
class Asked:
    """One question as the pipeline handled it (wall-clock seconds since the epoch)."""

    enqueued: float
    first_token: float | None = None
    """When the worker received its first token (its JSON log line)."""
    done: float | None = None
    """When its answer reached the asker's event stream."""
    failed: bool = False


@dataclass
class Run:
    asked: dict[str, Asked]
    cpu_seconds: float
    peak_in_flight: int
    memory_at_peak: procs.Memory
    start_seconds: float
    """How long the pool took to start and register its workers."""
    notes: list[str] = field(default_factory=list)


def run(env: dict[str, str], text: str, questions: int, log: Path) -> Run:
    """Start a pool of `questions` workers, ask `questions` questions at once, wait for every answer."""
    env = {**env, "MATHBOT_QUEUE": f"bench-{uuid.uuid4().hex[:8]}", "MATHBOT_LOG_FORMAT": "json"}
    settings = Settings(_env_file=None, **_settings_from(env))  # type: ignore[arg-type]
    connection = queue.connect(settings)
    started = time.monotonic()
    with open(log, "wb") as out:
        pool = subprocess.Popen(
            [sys.executable, "-m", "mathbot.cli", "worker", "-n", str(questions)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        while queue.workers_alive(settings, connection) < questions:
            if pool.poll() is not None or time.monotonic() - started > POOL_START_TIMEOUT:
                raise SystemExit(f"bench: the pool of {questions} workers did not start (log: {log})")
            time.sleep(0.2)
        start_seconds = time.monotonic() - started
        return _ask_all(settings, connection, text, questions, pool.pid, log, start_seconds)
    finally:
        _stop(pool)
        forget_queue(queue.connect(settings), settings.queue)  # a shared Redis keeps nothing of the run
        connection.close()


def _ask_all(
    settings: Settings,
    connection: redis.Redis,
    text: str,
    count: int,
    pool_pid: int,
    log: Path,
    start_seconds: float,
) -> Run:
    cpu_before = procs.cpu_seconds(pool_pid)
    asked: dict[str, Asked] = {}
    for i in range(count):
        question = Question(
            target=ReplyTarget(platform="console", channel=f"bench-{i}-{uuid.uuid4().hex[:6]}"),
            turns=[Turn(role="user", content=text)],
        )
        question = question.model_copy(
            update={"target": ReplyTarget(platform="console", channel=question.id)}
        )
        enqueued = time.time()
        queue.enqueue(question, settings, connection)
        asked[question.id] = Asked(enqueued)
    peak = _Peak(settings.tgi_url, pool_pid)
    peak.start()
    try:
        _follow(connection, asked)
    finally:
        peak.stop()
    time.sleep(1.0)  # the last work horses exit and are reaped: their CPU time lands in their workers
    cpu = procs.cpu_seconds(pool_pid) - cpu_before
    _first_tokens(log, asked)
    return Run(asked, cpu, peak.in_flight, peak.memory, start_seconds)


def _follow(connection: redis.Redis, asked: dict[str, Asked], timeout: float = 1800.0) -> None:
    """Read every question's console event stream until each has its answer (or error)."""
    cursors = {keys.CONSOLE + qid: "0" for qid in asked}  # the console's event stream of each question
    deadline = time.monotonic() + timeout
    while any(a.done is None for a in asked.values()) and time.monotonic() < deadline:
        waiting = {k: c for k, c in cursors.items() if asked[k[len(keys.CONSOLE) :]].done is None}
        found: Any = connection.xread(waiting, block=1000, count=100)  # type: ignore[arg-type]
        now = time.time()
        for key, entries in found or []:
            name = key.decode() if isinstance(key, bytes) else key
            for event_id, fields in entries:
                cursors[name] = event_id.decode() if isinstance(event_id, bytes) else event_id
                kind = fields[b"kind"].decode()
                if kind in ("answer", "error"):
                    question = asked[name[len(keys.CONSOLE) :]]
                    question.done, question.failed = now, kind == "error"


def _first_tokens(log: Path, asked: dict[str, Asked]) -> None:
    """When each question's first token reached its worker: the worker's JSON log line saying so."""
    for line in log.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        question = asked.get(entry.get("question_id", ""))
        if question is not None and question.first_token is None and "first token after" in entry["message"]:
            question.first_token = _epoch(entry["time"])


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


class _Peak(threading.Thread):
    """Samples the simulator's generations in flight and the pool's memory; keeps the peak."""

    def __init__(self, tgi_url: str, pool_pid: int) -> None:
        super().__init__(daemon=True)
        self.url, self.pid = tgi_url, pool_pid
        self.in_flight, self.memory = 0, procs.Memory(0, 0, 0)
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(0.5):
            try:
                in_flight = int(httpx.get(self.url + "/_sim/stats", timeout=5).json().get("in_flight", 0))
            except httpx.HTTPError:
                continue
            if in_flight >= self.in_flight and in_flight > 0:
                self.in_flight, self.memory = in_flight, procs.memory(self.pid)

    def stop(self) -> None:
        self.halt.set()
        self.join()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _settings_from(env: dict[str, str]) -> dict[str, str]:
    return {"redis_url": env["REDIS_URL"], "tgi_url": env["TGI_URL"], "queue": env["MATHBOT_QUEUE"]}
