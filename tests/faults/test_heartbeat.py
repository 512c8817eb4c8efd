"""The busy worker's heartbeat: a job running past its timeout (RQ kills the horse 60 s later) must
not look abandoned meanwhile, or a sweep starts a second run of it."""

from __future__ import annotations

from rq.job import Job
from rq.serializers import JSONSerializer

from mathbot import queue
from workers.run import HEARTBEAT_GRACE, JOB_MONITORING_INTERVAL, MathbotWorker


def test_heartbeat_ttl_never_drops_below_the_grace(settings, redis_conn) -> None:
    worker = MathbotWorker([settings.queue], connection=redis_conn)
    assert isinstance(worker.queues[0], queue.QuestionQueue)
    job = Job.create(
        "workers.answer.answer_question", connection=redis_conn, serializer=JSONSerializer, timeout=60
    )
    worker.current_job_working_time = 0
    assert worker.get_heartbeat_ttl(job) == JOB_MONITORING_INTERVAL + HEARTBEAT_GRACE
    worker.current_job_working_time = 55
    assert worker.get_heartbeat_ttl(job) == 5 + HEARTBEAT_GRACE
    worker.current_job_working_time = 100  # past the timeout, before RQ's kill at timeout + 60 s
    assert worker.get_heartbeat_ttl(job) >= HEARTBEAT_GRACE
