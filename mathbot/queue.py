"""The question queue on Redis: connections, the RQ queue with a JSON serializer, enqueue and dedupe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis
from rq import Callback, Queue, Retry, Worker
from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from mathbot import messages
from mathbot.errors import QueueError
from mathbot.jobs import Question
from mathbot.settings import Settings

JOB_FUNC = "workers.answer.answer_question"
"""The job function, by import path: adapters never import the worker's code."""

ON_FAILURE = "workers.answer.on_failure"
"""Runs when RQ finds a job whose worker vanished (it tells the asker, or that it starts over)."""

WORKER_LOST_RETRIES = 1
"""Times a question is started again from scratch when its worker dies mid-answer."""

DEDUPE_PREFIX = "mathbot:seen:"


def connect(settings: Settings) -> redis.Redis:
    """A Redis client that reconnects by itself and fails fast when Redis is away."""
    return redis.Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=5,
        socket_timeout=30,
        health_check_interval=30,
        retry_on_timeout=True,
    )


class QuestionQueue(Queue):
    """An RQ queue whose jobs are JSON, never pickles: payloads are data, not code."""

    def __init__(self, name: str = "default", *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("serializer", JSONSerializer)
        super().__init__(name, *args, **kwargs)


def question_queue(settings: Settings, connection: redis.Redis) -> QuestionQueue:
    return QuestionQueue(settings.queue, connection=connection)


@dataclass(frozen=True)
class Enqueued:
    question_id: str
    position: int
    """1 = next to be picked up."""


def enqueue(question: Question, settings: Settings, connection: redis.Redis) -> Enqueued:
    """Put a question on the queue as a JSON payload; raises QueueError when Redis is unreachable."""
    queue = question_queue(settings, connection)
    try:
        queue.enqueue(
            JOB_FUNC,
            question.model_dump(mode="json"),
            job_id=question.id,
            job_timeout=settings.job_timeout,
            result_ttl=settings.result_ttl,
            failure_ttl=settings.failure_ttl,
            retry=Retry(max=WORKER_LOST_RETRIES),
            on_failure=Callback(ON_FAILURE),
            description=f"{question.target.platform}: {question.text[:80]}",
            meta={"platform": question.target.platform, "user": question.target.user},
        )
        position = queue.count
    except redis.RedisError as exc:
        raise QueueError(messages.QUEUE_DOWN, detail=type(exc).__name__) from exc
    return Enqueued(question.id, max(position, 1))


def first_delivery(connection: redis.Redis, key: str, ttl: int) -> bool:
    """True the first time `key` is seen within `ttl` seconds (Redis SET NX): drops duplicate events."""
    return bool(connection.set(DEDUPE_PREFIX + key, 1, nx=True, ex=ttl))


def cancel(question_id: str, settings: Settings, connection: redis.Redis) -> bool:
    """Stop a queued or running question; False when it is already finished or unknown."""
    try:
        job = Job.fetch(question_id, connection=connection, serializer=JSONSerializer)
    except NoSuchJobError:
        return False
    status = job.get_status(refresh=True)
    if status in (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED):
        job.cancel()
        return True
    if status == JobStatus.STARTED:
        try:
            send_stop_job_command(connection, job.id, serializer=JSONSerializer)
        except InvalidJobOperation:
            return False
        return True
    return False


def workers_alive(settings: Settings, connection: redis.Redis) -> int:
    """How many workers listen on the question queue."""
    return Worker.count(connection=connection, queue=question_queue(settings, connection))
