"""A worker whose clock runs 90 s ahead joins a pool that is answering: it must not declare the healthy
jobs of the other workers abandoned (RQ judges heartbeats by a clock: mathbot makes it Redis' clock).

The skewed clock is real, for that one process and its work horses only: libfaketime
(`apt-get install faketime`) preloaded with FAKETIME="+90s" moves time.time() and the wall clock of
everything the worker runs; its monotonic clock is left alone, as NTP would leave it. Questions go
through the console adapter, whose stream records every event in order: each question must be
generated once, answered once, without a "worker stopped" notice, an error, or any progress event
after its answer.
"""

from __future__ import annotations

import glob
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import redis

from bots.console import stream
from mathbot import queue
from mathbot.jobs import Question, ReplyTarget, Turn
from mathbot.settings import Settings
from tests.conftest import DATA_DIR, NO_DATA
from tests.support import processes

pytestmark = pytest.mark.skipif(not DATA_DIR.is_dir(), reason=NO_DATA)

SKEW = 90
"""Seconds the joining worker's clock runs ahead."""

FAKETIME = next(iter(sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))), None)
"""libfaketime, from Debian's `faketime` package."""

PROBLEMS = [
    "Find the sum of all integer bases $b > 9$ for which $17_b$ is a divisor of $97_b$.",
    "What is the remainder when $2^{100}$ is divided by $7$?",
    "How many positive divisors does $2025$ have?",
]


def skewed(env: dict[str, str]) -> dict[str, str]:
    """The environment of a process whose wall clock runs SKEW seconds ahead (monotonic time is real)."""
    if FAKETIME is None:
        pytest.skip("libfaketime is not installed (apt-get install faketime)")
    return {
        **env,
        "LD_PRELOAD": FAKETIME,
        "FAKETIME": f"+{SKEW}s",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        "FAKETIME_NO_CACHE": "1",
    }


def clock_of(env: dict[str, str]) -> float:
    """time.time() as a Python process started with `env` sees it."""
    out = subprocess.run(
        [sys.executable, "-c", "import time; print(time.time())"],
        env=processes.mathbot_env(env),
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout)


def ask(settings: Settings, connection: redis.Redis, text: str) -> Question:
    q = Question(target=ReplyTarget(platform="console", channel=""), turns=[Turn(role="user", content=text)])
    q = q.model_copy(update={"target": ReplyTarget(platform="console", channel=q.id)})
    queue.enqueue(q, settings, connection)
    return q


def events(connection: redis.Redis, q: Question) -> list[tuple[str, dict]]:
    return [(kind, body) for _, kind, body in stream.read(connection, q.id, "0", block_ms=1)]


def tokens(connection: redis.Redis, q: Question) -> int:
    return max((b.get("tokens", 0) for k, b in events(connection, q) if k == "progress"), default=0)


def test_a_worker_with_a_clock_90_s_ahead_abandons_no_healthy_job(
    settings: Settings, sim, redis_conn: redis.Redis, env: dict[str, str], tmp_path: Path
) -> None:
    ahead = skewed(env)
    assert clock_of(ahead) - time.time() > SKEW - 5, "the skewed clock is real"
    httpx.post(sim.url + "/_sim/faults", json={"tokens_per_second": 40}).raise_for_status()
    pool = processes.start(["worker", "-n", str(len(PROBLEMS))], env, log=tmp_path / "pool.log")
    joined = None
    try:
        asked = [ask(settings, redis_conn, text) for text in PROBLEMS]
        processes.wait_for(
            lambda: all(tokens(redis_conn, q) > 20 for q in asked), timeout=60, message="answers under way"
        )
        log = tmp_path / "skewed.log"
        joined = processes.start(["worker"], ahead, log=log)
        processes.wait_for(
            lambda: "cleaning registries" in log.read_text(errors="replace"),
            timeout=30,
            message="the skewed worker's first sweep of the started jobs",
        )
        processes.wait_for(
            lambda: all(any(k in ("answer", "error") for k, _ in events(redis_conn, q)) for q in asked),
            timeout=120,
            interval=0.5,
            message="every final message",
        )
        time.sleep(3.0)  # a late progress edit or a second answer would arrive now
    finally:
        processes.stop(pool)
        if joined is not None:
            processes.stop(joined)
    stats = httpx.get(sim.url + "/_sim/stats").json()
    assert stats["generations_started"] == len(PROBLEMS), "no question was generated twice"
    for q in asked:
        kinds = [k for k, _ in events(redis_conn, q)]
        finals = [i for i, k in enumerate(kinds) if k in ("answer", "error")]
        assert [kinds[i] for i in finals] == ["answer"], (q.text, kinds)
        assert finals[0] == len(kinds) - 1, f"events after the answer: {kinds[finals[0] :]}"
        notices = [b.get("detail", "") for k, b in events(redis_conn, q) if k == "progress"]
        assert not [n for n in notices if "stopped" in n], notices
