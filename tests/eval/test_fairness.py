"""An evaluation never starves users: one worker, evaluation samples waiting, and a user's question asked
meanwhile is answered before any of them."""

from __future__ import annotations

import io
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import redis
from rq.job import Job
from rq.registry import FinishedJobRegistry, StartedJobRegistry
from rq.serializers import JSONSerializer

from bots.console.ask import EXIT_ANSWERED, ask
from mathbot import queue
from mathbot.settings import Settings
from tests.eval.conftest import start_eval
from tests.support import processes


def test_a_users_question_goes_before_waiting_evaluation_samples(
    eval_env: dict[str, str], mix_file: Path, tmp_path: Path, redis_conn: redis.Redis, monkeypatch
) -> None:
    env = {**eval_env, "MATHBOT_EVAL_CONCURRENCY": "3"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    eval_queue, user_queue = (
        queue.eval_queue(settings, redis_conn),
        queue.question_queue(settings, redis_conn),
    )
    users = StartedJobRegistry(queue=user_queue)
    worker = processes.start(["worker"], env, log=tmp_path / "worker.log")
    out = tmp_path / "out"
    run = start_eval(
        env, tmp_path / "eval.log", str(mix_file), "--samples", "4", "--limit", "1", "--out", str(out)
    )
    try:
        processes.wait_for(lambda: eval_queue.count >= 2, timeout=60, message="evaluation samples waiting")
        with ThreadPoolExecutor(1) as pool:
            asking = pool.submit(
                ask, "What is 6 times 7?", settings, timeout=60, out=io.StringIO(), err=io.StringIO()
            )
            processes.wait_for(
                lambda: user_queue.count or users.get_job_ids(), timeout=10, message="the question"
            )
            waiting = set(eval_queue.get_job_ids())  # queued before the question was, or at the same time
            assert asking.result() == EXIT_ANSWERED
        assert run.wait(timeout=90) == 0
    finally:
        processes.stop(run)
        processes.stop(worker)

    (user_job,) = FinishedJobRegistry(queue=user_queue).get_job_ids()
    user = Job.fetch(user_job, connection=redis_conn, serializer=JSONSerializer)
    assert user.started_at is not None and user.ended_at is not None
    assert waiting, "samples were waiting when the question was asked"
    for job_id in waiting:
        sample = Job.fetch(job_id, connection=redis_conn, serializer=JSONSerializer)
        assert sample.started_at is not None and sample.started_at >= user.ended_at, "a sample went first"
    handed = [json.loads(line) for line in (out / "jobs.jsonl").read_text().splitlines()]
    assert len(handed) == 4
