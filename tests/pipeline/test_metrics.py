"""The worker's /metrics and /health on MATHBOT_METRICS_PORT, JSON logs with the question id, and RQ's view
of a failed question: a real `mathbot worker` pool (work horses forked per job, multiprocess metrics)
answering `mathbot ask` through Redis and the TGI simulator."""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from bots.console.ask import EXIT_ANSWERED, EXIT_FAILED, ask
from mathbot import queue
from mathbot.settings import Settings
from tests.support import processes
from tests.support.env import settings_env
from tests.support.servers import free_port
from tests.support.sim import Sim

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(port: int) -> Samples:
    """Every sample of the worker's /metrics, by name and sorted labels."""
    response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


def run_ask(question: str, settings: Settings) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = ask(question, settings, timeout=60, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def json_lines(log: Path) -> list[dict[str, Any]]:
    """The worker's log: every line must be one JSON object."""
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    assert lines
    return [json.loads(line) for line in lines]


@pytest.fixture
def served(
    redis_url: str, sim: Sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Settings, int, Path]]:
    """A pool of two workers serving metrics on a free port and logging JSON; settings to ask with."""
    port = free_port()
    env = settings_env(
        redis_url,
        sim.url,
        MATHBOT_METRICS_PORT=str(port),
        MATHBOT_LOG_FORMAT="json",
        MATHBOT_QUEUE="metrics-test",
    )
    for key, val in env.items():
        monkeypatch.setenv(key, val)
    log = tmp_path / "worker.log"
    process = processes.start(["worker", "-n", "2"], env, log=log)
    try:
        health = processes.wait_for(lambda: _health(port), timeout=30, message="the worker's /health")
        assert health == {"ok": True, "redis": True, "workers": 2, "processes": 2}
        yield Settings(_env_file=None), port, log  # type: ignore[call-arg]
    finally:
        processes.stop(process)


def _health(port: int) -> dict[str, Any] | None:
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
    except httpx.HTTPError:
        return None
    return response.json() if response.status_code == 200 and response.json()["workers"] == 2 else None


def test_metrics_count_a_real_answer_and_its_logs_carry_its_id(
    served: tuple[Settings, int, Path], redis_conn: redis.Redis, sim: Sim
) -> None:
    settings, port, log = served
    code, out, err = run_ask("What is $17 \\cdot 23$?", settings)
    assert code == EXIT_ANSWERED, err

    samples = scrape(port)
    assert value(samples, "mathbot_questions_total", platform="console", outcome="answered") == 1.0
    assert (value(samples, "mathbot_generated_tokens_total") or 0) > 0
    assert value(samples, "mathbot_time_to_first_token_seconds_count") == 1.0
    assert value(samples, "mathbot_generation_seconds_count") == 1.0
    assert value(samples, "mathbot_queue_wait_seconds_count") == 1.0
    assert value(samples, "mathbot_queue_depth", queue="metrics-test") == 0.0
    assert value(samples, "mathbot_queue_depth", queue="metrics-test-eval") == 0.0
    assert value(samples, "mathbot_workers") == 2.0
    assert value(samples, "mathbot_inference_server_up", server=sim.url) == 1.0
    assert value(samples, "mathbot_generations_in_flight") == 0.0
    assert not [
        k for k in samples if k[0] == "mathbot_questions_total" and dict(k[1])["outcome"] != "answered"
    ]

    entries = json_lines(log)
    assert {"time", "level", "logger", "message"} <= set(entries[0])
    job_id = next(e["question_id"] for e in entries if "first token after" in e["message"])
    mine = [e for e in entries if e.get("question_id") == job_id]
    assert any(e["message"].endswith(f"Job OK ({job_id})") for e in mine)  # RQ's own line, in the horse
    mentioning = [e for e in entries if f"question={job_id}" in e["message"]]
    assert mentioning and all(e.get("question_id") == job_id for e in mentioning)
    assert (
        Job.fetch(job_id, connection=redis_conn, serializer=JSONSerializer).get_status() == JobStatus.FINISHED
    )


def test_a_question_failed_by_a_dead_server_fails_in_rq_once_with_the_server_named(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_conn: redis.Redis
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    port = free_port()
    env = settings_env(redis_url, dead, MATHBOT_METRICS_PORT=str(port), MATHBOT_SERVER_RETRIES="1")
    for key, val in env.items():
        monkeypatch.setenv(key, val)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    log = tmp_path / "worker.log"
    worker: subprocess.Popen[bytes] = processes.start(["worker"], env, log=log)
    try:
        processes.wait_for(lambda: queue.workers_alive(settings, redis_conn), 20, message="the worker")
        code, out, err = run_ask("What is 2 + 2?", settings)
        assert code == EXIT_FAILED, err
        assert "tried 2 times and gave up" in err
        rq_queue = queue.question_queue(settings, redis_conn)
        (job_id,) = processes.wait_for(rq_queue.failed_job_registry.get_job_ids, 10, message="a failed job")
        job = Job.fetch(job_id, connection=redis_conn, serializer=JSONSerializer)
        assert job.get_status() == JobStatus.FAILED  # not "finished": RQ's view tells the truth
        assert "ServerUnavailable" in (job.latest_result().exc_string or "")  # type: ignore[union-attr]
        assert rq_queue.count == 0 and not rq_queue.finished_job_registry.get_job_ids()  # never retried

        samples = scrape(port)
        assert value(samples, "mathbot_questions_total", platform="console", outcome="failed") == 1.0
        assert value(samples, "mathbot_server_retries_total", cause="unavailable") == 1.0
        assert value(samples, "mathbot_inference_server_up", server=dead) == 0.0
    finally:
        processes.stop(worker)
    text = log.read_text()
    lines = [line for line in text.splitlines() if job_id in line]
    told = [line for line in lines if " WARNING workers.answer: " in line and "failed" in line]
    assert len(told) == 1 and dead in told[0], lines
    assert not [line for line in lines if "Job OK" in line]
    assert "Traceback" not in text and " ERROR " not in text
    assert sum(f"question={job_id} run=" in line for line in lines) == 1  # one run: no retry by RQ
    assert err.count("gave up") == 1  # the asker was told once
