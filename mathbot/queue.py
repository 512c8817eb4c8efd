"""The question queue on Redis: connections, the RQ queue with a JSON serializer, enqueue and dedupe."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Literal

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from rq import Callback, Queue, Worker
from rq import Retry as JobRetry
from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer

from mathbot import defaults, limits, messages, questions, runs
from mathbot.errors import EmptyQuestion, InputError, QuestionTooLong, QueueError
from mathbot.jobs import Question
from mathbot.settings import Settings

JOB_FUNC = "workers.answer.answer_question"
"""The job function, by import path: adapters never import the worker's code."""

ON_FAILURE = "workers.answer.on_failure"
"""Runs when RQ finds a job whose worker vanished (it tells the asker, or that it starts over)."""

WORKER_LOST_RETRIES = 1
"""Times a question is started again from scratch when its worker dies mid-answer."""


RECONNECT_ATTEMPTS = 8
"""Retries of one Redis command on a broken connection (backoff 0.25 s doubling to 4 s: ~20 s in all),
so a Redis restart is ridden out instead of failing the question."""


def connect(settings: Settings) -> redis.Redis:
    """A Redis client that reconnects by itself and retries a command across a short Redis restart."""
    return redis.Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=5,
        socket_timeout=30,
        health_check_interval=30,
        retry=Retry(ExponentialBackoff(cap=4.0, base=0.25), RECONNECT_ATTEMPTS),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError],
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
    """Check and put a question on the queue as a JSON payload.

    Raises `EmptyQuestion` / `QuestionTooLong` for bad input, `errors.Busy` / `errors.LimitReached`
    when it may not be asked now, and `QueueError` when Redis is unreachable: every refusal is a
    `MathbotError` whose `user_message` the adapter shows as is.
    """
    text = question.text.strip()
    if not text:
        raise EmptyQuestion()
    if len(text) > defaults.MAX_QUESTION_CHARS:
        raise QuestionTooLong(
            len(text) // 3,
            0,
            message=messages.question_too_many_chars(len(text), defaults.MAX_QUESTION_CHARS),
        )
    if question.sampling.samples > settings.max_samples:
        raise InputError(messages.too_many_samples(question.sampling.samples, settings.max_samples))
    queue = question_queue(settings, connection)
    try:
        limits.admit(connection, question, settings, queued=queue.count)
        queue.enqueue(
            JOB_FUNC,
            question.model_dump(mode="json"),
            job_id=question.id,
            job_timeout=settings.job_timeout,
            result_ttl=settings.result_ttl,
            failure_ttl=settings.failure_ttl,
            retry=JobRetry(max=WORKER_LOST_RETRIES),
            on_failure=Callback(ON_FAILURE),
            description=f"{question.target.platform}: {question.text[:80]}",
            meta={"platform": question.target.platform, "user": question.target.user},
        )
        position = queue.count
        questions.keep(connection, question, settings.result_ttl)
    except redis.RedisError as exc:
        with suppress(redis.RedisError):
            limits.release(connection, question, settings)
        raise QueueError(messages.QUEUE_DOWN, detail=type(exc).__name__) from exc
    return Enqueued(question.id, max(position, 1))


CancelOutcome = Literal["cancelled", "not_yours", "finished", "unknown"]


def cancel(
    question_id: str, settings: Settings, connection: redis.Redis, *, by_user: str | None = None
) -> tuple[CancelOutcome, Question | None]:
    """Stop a queued or running question, if `by_user` asked it (None: the console, which owns its own).

    On "cancelled" the caller tells the asker (the worker will not: a stopped job is silent).
    """
    try:
        job = Job.fetch(question_id, connection=connection, serializer=JSONSerializer)
        question = Question.model_validate(job.args[0])
    except (NoSuchJobError, IndexError, ValueError):
        return "unknown", None
    if by_user is not None and question.target.user != by_user:
        return "not_yours", question
    status = job.get_status(refresh=True)
    if status not in (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED, JobStatus.STARTED):
        return "finished", question
    if not runs.finish(connection, question_id, "cancelled", settings.result_ttl):
        return "finished", question  # an answer that is out (images may still be uploading) stays
    if status == JobStatus.STARTED:
        with suppress(InvalidJobOperation):
            send_stop_job_command(connection, job.id, serializer=JSONSerializer)
    else:
        job.cancel()
    limits.release(connection, question, settings)
    return "cancelled", question


def cancel_where(
    settings: Settings, connection: redis.Redis, match: Callable[[Question], bool]
) -> list[Question]:
    """Cancel every queued or running question that `match` picks (say, those of a chat workspace that
    removed mathbot) as `cancel` does: off the queue or stopped, limits released. Returns them."""
    queue = question_queue(settings, connection)
    ids = [*queue.get_job_ids(), *StartedJobRegistry(queue=queue).get_job_ids()]
    cancelled = []
    jobs = Job.fetch_many(ids, connection=connection, serializer=JSONSerializer)
    for job in [j for j in jobs if j is not None]:  # None: finished and gone meanwhile
        try:
            question = Question.model_validate(job.args[0])
        except (IndexError, ValueError):
            continue
        if match(question) and cancel(question.id, settings, connection)[0] == "cancelled":
            cancelled.append(question)
    return cancelled


def workers_alive(settings: Settings, connection: redis.Redis) -> int:
    """How many workers listen on the question queue."""
    return Worker.count(connection=connection, queue=question_queue(settings, connection))
