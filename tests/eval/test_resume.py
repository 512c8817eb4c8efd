"""An interrupted evaluation resumes where it stopped: Ctrl-C, then kill -9, then the same command again
gives the known scores, with every sample generated once and stored once."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import redis

from mathbot import queue
from mathbot.settings import Settings
from tests.eval.conftest import EXPECTED_ROW, run_eval, start_eval, stored
from tests.support import processes
from tests.support.sim import Sim


def test_an_interrupted_then_killed_run_resumes_and_counts_every_sample_once(
    eval_env: dict[str, str], mix_file: Path, mix_sim: Sim, tmp_path: Path, redis_conn: redis.Redis
) -> None:
    env = {**eval_env, "MATHBOT_EVAL_CONCURRENCY": "4"}
    out = tmp_path / "out"
    args = (str(mix_file), "--samples", "4", "--out", str(out))
    eval_queue = queue.eval_queue(Settings(_env_file=None, REDIS_URL=eval_env["REDIS_URL"]), redis_conn)  # type: ignore[call-arg]
    workers = processes.start(["worker", "-n", "2"], env, log=tmp_path / "worker.log")
    try:
        # Ctrl-C: the waiting samples leave the queue, the two running ones are left to finish
        first = start_eval(env, tmp_path / "first.log", *args)
        processes.wait_for(
            lambda: len(stored(out)) >= 2 and eval_queue.count >= 1, timeout=60, message="a start"
        )
        first.send_signal(signal.SIGINT)
        assert first.wait(timeout=30) == 130
        said = (tmp_path / "first.log").read_text()
        assert "interrupted" in said and "Run the same command again to resume." in said
        assert eval_queue.count == 0

        # kill -9: nothing is cleaned up; what it queued stays queued and runs
        second = start_eval(env, tmp_path / "second.log", *args)
        processes.wait_for(lambda: len(stored(out)) >= 6, timeout=60, message="six samples stored")
        os.kill(second.pid, signal.SIGKILL)
        second.wait(timeout=10)
        assert len(stored(out)) < 12

        final = run_eval(env, *args)
    finally:
        processes.stop(workers)
    assert final.returncode == 0, final.stderr
    assert EXPECTED_ROW in final.stdout

    rows = stored(out)
    keys = [(r["problem"], r["sample"]) for r in rows]
    assert len(rows) == 12 and len(set(keys)) == 12, keys  # stored once each
    handed = [json.loads(line) for line in (out / "jobs.jsonl").read_text().splitlines()]
    last = {tuple(h["key"]): h["job"] for h in handed}
    assert all(last[(r["set"], r["problem"], r["digest"], r["sample"])] == r["job"] for r in rows)
    # generated once each: the running samples of an interrupted run were picked up, not drawn again
    assert mix_sim.stats()["generations_started"] == 12
    assert not redis_conn.keys("mathbot:eval:*"), "a completed run drops its results stream"
