"""Anything that can write to Redis can put a job on the queue: the worker runs only mathbot's own job
functions; a job naming any other (`os.system`) is failed without being imported or called."""

from __future__ import annotations

from pathlib import Path

import redis
from rq import Callback, Queue
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from mathbot import queue
from mathbot.jobs import Question, ReplyTarget, Turn
from mathbot.settings import Settings
from tests.support import processes


def console_question(text: str) -> Question:
    q = Question(target=ReplyTarget(platform="console", channel=""), turns=[Turn(role="user", content=text)])
    return q.model_copy(update={"target": ReplyTarget(platform="console", channel=q.id)})


def test_a_job_naming_another_function_is_failed_without_running_it(
    settings: Settings, redis_conn: redis.Redis, env: dict[str, str], tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    jobs = queue.question_queue(settings, redis_conn)
    foreign = jobs.enqueue("os.system", f"touch {marker}")
    pickled = Queue(settings.queue, connection=redis_conn).enqueue(
        "os.system", f"touch {marker}"
    )  # RQ's default
    own = console_question("What is 6 times 7?")
    queue.enqueue(own, settings, redis_conn)

    log = tmp_path / "worker.log"
    worker = processes.start(["worker", "--burst"], env, log=log)
    worker.wait(timeout=60)

    assert not marker.exists(), "the foreign job ran"
    foreign.refresh()
    assert foreign.get_status() == JobStatus.FAILED
    assert {foreign.id, pickled.id} <= set(jobs.failed_job_registry.get_job_ids())
    assert "not one of mathbot's job functions" in log.read_text()
    answered = Job.fetch(own.id, connection=redis_conn, serializer=JSONSerializer)
    assert answered.get_status() == JobStatus.FINISHED  # the worker went on with real questions


def test_only_mathbot_functions_and_callbacks_pass(settings: Settings, redis_conn: redis.Redis) -> None:
    jobs = queue.question_queue(settings, redis_conn)
    payload = console_question("1 + 1?").model_dump(mode="json")
    own = jobs.enqueue(queue.JOB_FUNC, payload, on_failure=Callback(queue.ON_FAILURE))
    bad_callback = jobs.enqueue(queue.JOB_FUNC, payload, on_failure=Callback("os.system"))
    bad_function = jobs.enqueue("subprocess.run", ["true"])
    pickled = Job.create("os.system", args=("true",), connection=redis_conn)  # RQ's default: pickle
    pickled.save()
    fetched = [Job.fetch(j.id, connection=redis_conn, serializer=JSONSerializer) for j in (own, bad_callback)]
    assert [queue.is_own_job(j) for j in fetched] == [True, False]
    assert not queue.is_own_job(Job.fetch(bad_function.id, connection=redis_conn, serializer=JSONSerializer))
    assert not queue.is_own_job(Job.fetch(pickled.id, connection=redis_conn, serializer=JSONSerializer))
