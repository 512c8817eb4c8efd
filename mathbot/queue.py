"""The question queue on Redis: connections, the RQ queue with a JSON serializer, enqueue and dedupe."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import redis
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.retry import Retry
from rq import Callback, Queue, Worker
from rq import Retry as JobRetry
from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import (
    CanceledJobRegistry,
    DeferredJobRegistry,
    FailedJobRegistry,
    FinishedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)
from rq.results import Result
from rq.serializers import JSONSerializer

from mathbot import defaults, limits, messages, metrics, questions, runs
from mathbot.errors import EmptyQuestion, InputError, MathbotError, QuestionTooLong, QueueError
from mathbot.jobs import Question
from mathbot.logs import scrub_credentials
from mathbot.settings import Settings

JOB_FUNC = "workers.answer.answer_question"
"""The job function, by import path: adapters never import the worker's code."""

ON_FAILURE = "workers.answer.on_failure"
"""Runs when RQ finds a job whose worker vanished (it tells the asker, or that it starts over)."""

STUDY_FUNC = "workers.study.run_task"
"""The job of a question whose answer is for a study feature (task "check" or "solution")."""

STUDY_ON_FAILURE = "workers.study.on_failure"

DAILY_FUNC = "workers.study.post_daily"
"""The problem of the day, scheduled per channel (`mathbot.study.daily`)."""

CLOSE_FUNC = "workers.study.close_practice"
"""A practice problem's deadline: its answer and mathbot's solution revealed in its thread."""

JOB_FUNCTIONS = frozenset({JOB_FUNC, STUDY_FUNC, DAILY_FUNC, CLOSE_FUNC})
"""Every function a worker may run (add a new job function here). A job naming any other, put on the
queue by anything that can write to Redis (`os.system`, say), is failed without being imported or called."""

JOB_CALLBACKS = frozenset({ON_FAILURE, STUDY_ON_FAILURE})
"""Every callback a job may name: RQ imports and calls those too."""


def is_own_job(job: Job) -> bool:
    """Whether `job` names only mathbot's job functions and callbacks, judged by name before anything is
    imported; a payload that is not JSON (a pickle) is not mathbot's either."""
    try:
        func, instance = job.func_name, job.instance
    except Exception:
        return False
    callbacks = {job._success_callback_name, job._failure_callback_name, job._stopped_callback_name}
    return func in JOB_FUNCTIONS and instance is None and callbacks - {None, ""} <= JOB_CALLBACKS


WORKER_LOST_RETRIES = 2
"""Times a question is started again from scratch when its worker dies mid-answer. Two: a work horse
dies with its worker (it is never left to finish alone), so in a storm of kills (a node drained twice,
an OOM killer at work) a question may lose two runs and still be answered; a question that kills
every worker it runs on (a poison pill) costs three generations before its asker is told."""


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


START_TIMEOUT = 3.0
"""Seconds a command waits for Redis when it starts: a first connection answers at once or not at all
(the ~20 s retry of `connect` is for a Redis restarting under a running service)."""

START_HINT = (
    "start one with `redis-server` (or `make redis` in a mathbot checkout), or point REDIS_URL at yours"
)

ALLOW_EVICTION_VAR = "MATHBOT_ALLOW_EVICTION"

log = logging.getLogger(__name__)


class RedisUnusable(QueueError):
    """REDIS_URL is malformed (`kind` "url"), nothing answers there ("unreachable"), or that Redis may
    evict the queue's keys ("evicts"): the command stops with `user_message`, one line."""

    def __init__(self, message: str, kind: Literal["url", "unreachable", "evicts"]) -> None:
        super().__init__(message)
        self.kind = kind


def check_at_start(settings: Settings, *, serves: bool) -> None:
    """Fail fast, with one line naming REDIS_URL (password masked), when it cannot hold the queue.

    `serves` (workers and chat adapters, which run for weeks): also refuse a Redis that may evict keys,
    unless MATHBOT_ALLOW_EVICTION is set (then warn).
    """
    check_redis(settings.redis_url, serves=serves, allow_eviction=settings.allow_eviction)


def check_redis(url: str, *, serves: bool, allow_eviction: bool = False) -> None:
    """`check_at_start` for a URL: one PING within START_TIMEOUT, no retries; raises `RedisUnusable`.

    Eviction: RQ keeps queued questions in keys without an expiry, so a Redis with `maxmemory` and any
    policy but `noeviction` silently drops them when another tenant fills it. Refused by default (a
    warning scrolls by; lost questions are never noticed); a managed Redis that refuses CONFIG is warned
    about, since it cannot be checked.
    """
    where = f"REDIS_URL={scrub_credentials(url)}"
    try:
        client = redis.Redis.from_url(
            url,
            socket_connect_timeout=START_TIMEOUT,
            socket_timeout=START_TIMEOUT,
            retry=Retry(NoBackoff(), 0),
        )
    except ValueError as exc:
        why = f" ({scrub_credentials(str(exc))})" if "://" in url else ""
        raise RedisUnusable(
            f"{where} is not a Redis URL{why}: write it as redis://HOST:6379/0 "
            "(rediss:// for TLS, unix:///path/to/redis.sock)",
            "url",
        ) from None
    with client:
        _ping(client, url, where)
        if not serves:
            return
        try:
            config = client.config_get("maxmemory*")
        except redis.ResponseError as exc:  # CONFIG refused (a managed Redis, or an ACL without it)
            log.warning(
                "could not check the eviction policy of the Redis at %s (%s): it must be noeviction, or "
                "queued questions can vanish when it is full",
                where,
                exc,
            )
            return
    policy, maxmemory = str(config.get("maxmemory-policy", "noeviction")), int(config.get("maxmemory") or 0)
    if maxmemory == 0 or policy == "noeviction":
        return
    problem = (
        f"the Redis at {where} may evict keys (maxmemory {maxmemory} bytes, maxmemory-policy {policy}): "
        "queued questions would vanish without a word when it fills up"
    )
    if not allow_eviction:
        raise RedisUnusable(
            f"{problem}. Set maxmemory-policy noeviction on it (redis-server --maxmemory-policy noeviction), "
            f"or {ALLOW_EVICTION_VAR}=true to run anyway",
            "evicts",
        )
    log.warning("%s (running anyway: %s is set)", problem, ALLOW_EVICTION_VAR)


def _ping(client: redis.Redis, url: str, where: str) -> None:
    try:
        client.ping()
    except redis.AuthenticationError as exc:
        raise RedisUnusable(
            f"the Redis at {where} refused mathbot's credentials ({exc})", "unreachable"
        ) from None
    except redis.TimeoutError:
        tls = " (rediss:// is TLS: does that Redis speak TLS?)" if url.startswith("rediss:") else ""
        raise RedisUnusable(
            f"no Redis answered at {where} within {START_TIMEOUT:.0f} s{tls}; {START_HINT}", "unreachable"
        ) from None
    except redis.ConnectionError as exc:
        reason = scrub_credentials(str(exc)).rstrip(".")
        raise RedisUnusable(f"no Redis answers at {where} ({reason}); {START_HINT}", "unreachable") from None


class QuestionQueue(Queue):
    """An RQ queue whose jobs are JSON, never pickles: payloads are data, not code."""

    def __init__(self, name: str = "default", *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("serializer", JSONSerializer)
        super().__init__(name, *args, **kwargs)


def question_queue(settings: Settings, connection: redis.Redis) -> QuestionQueue:
    return QuestionQueue(settings.queue, connection=connection)


def eval_queue_name(settings: Settings) -> str:
    """The queue of evaluation samples (`mathbot eval`): workers serve it after the users' queue."""
    return settings.queue + defaults.EVAL_QUEUE_SUFFIX


def eval_queue(settings: Settings, connection: redis.Redis) -> QuestionQueue:
    return QuestionQueue(eval_queue_name(settings), connection=connection)


def served_queues(settings: Settings) -> list[str]:
    """What a worker listens on, in order: RQ takes a job from a later queue only when every earlier
    one is empty, so an evaluation never holds back a user's question that is waiting."""
    return [settings.queue, eval_queue_name(settings)]


@dataclass(frozen=True)
class Enqueued:
    question_id: str
    position: int
    """1 = next to be picked up."""


def enqueue(
    question: Question,
    settings: Settings,
    connection: redis.Redis,
    *,
    evaluation: bool = False,
    admitted: bool = False,
) -> Enqueued:
    """Check and put a question on the queue as a JSON payload (with `evaluation`, on the evaluation
    queue: a sample of `mathbot eval`).

    Raises `EmptyQuestion` / `QuestionTooLong` for bad input, `errors.Busy` / `errors.LimitReached`
    when it may not be asked now, and `QueueError` when Redis is unreachable: every refusal is a
    `MathbotError` whose `user_message` the adapter shows as is (and counts as a refusal in the
    metrics). `admitted`: `admit` already checked and counted it in (the same question id), so it is only
    queued now.
    """
    try:
        return _enqueue(question, settings, connection, evaluation, admitted)
    except MathbotError as exc:
        metrics.refused(question.target.platform, metrics.reason(exc))
        raise


def _enqueue(
    question: Question, settings: Settings, connection: redis.Redis, evaluation: bool, admitted: bool
) -> Enqueued:
    if not admitted:
        _check(question, settings)
    queue = eval_queue(settings, connection) if evaluation else question_queue(settings, connection)
    try:
        if not admitted:
            limits.admit(connection, question, settings, queue.key)
        try:
            _push(queue, question, settings)
        finally:
            with suppress(redis.RedisError):  # else it expires by itself
                limits.unreserve(connection, question.id, queue.key)
        position = queue.count
        questions.keep(connection, question, settings.result_ttl)
    except redis.RedisError as exc:
        with suppress(redis.RedisError):
            limits.release(connection, question, settings)
        raise QueueError(messages.QUEUE_DOWN, detail=type(exc).__name__) from exc
    return Enqueued(question.id, max(position, 1))


def admit(question: Question, settings: Settings, connection: redis.Redis) -> None:
    """Check the question and count it in (the asker's and the channel's limits, a place in the queue)
    without queueing it yet, raising what `enqueue` raises. For an adapter that shows something before
    the question is queued (a placeholder): a refused question then costs no chat message at all. Follow
    with `enqueue(..., admitted=True)` within `limits.RESERVATION_SECONDS`, or `withdraw`."""
    try:
        _check(question, settings)
        try:
            limits.admit(connection, question, settings, question_queue(settings, connection).key)
        except redis.RedisError as exc:
            raise QueueError(messages.QUEUE_DOWN, detail=type(exc).__name__) from exc
    except MathbotError as exc:
        metrics.refused(question.target.platform, metrics.reason(exc))
        raise


def withdraw(question: Question, settings: Settings, connection: redis.Redis) -> None:
    """An admitted question will not be queued after all: it no longer counts, its place goes back."""
    with suppress(redis.RedisError):
        limits.release(connection, question, settings)
        limits.unreserve(connection, question.id, question_queue(settings, connection).key)


def _check(question: Question, settings: Settings) -> None:
    """Refuse what cannot be asked as it is: empty, too long, too many samples."""
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
        refusal = messages.too_many_samples(question.sampling.samples, settings.max_samples)
        raise InputError(refusal, detail="too_many_samples")


def _push(queue: QuestionQueue, question: Question, settings: Settings) -> None:
    answers = question.task == "answer"
    queue.enqueue(
        JOB_FUNC if answers else STUDY_FUNC,
        question.model_dump(mode="json"),
        job_id=question.id,
        job_timeout=settings.job_timeout,
        result_ttl=settings.result_ttl,
        failure_ttl=settings.failure_ttl,
        retry=JobRetry(max=WORKER_LOST_RETRIES),
        on_failure=Callback(ON_FAILURE if answers else STUDY_ON_FAILURE),
        description=f"{question.target.platform}: {question.text[:80]}",
        meta={"platform": question.target.platform, "user": question.target.user},
    )


def schedule(
    settings: Settings,
    connection: redis.Redis,
    at: datetime,
    func: str,
    *args: Any,
    job_id: str,
    job_timeout: int,
    description: str,
) -> None:
    """Put `func(*args)` on RQ's schedule (`enqueue_at`) of the users' queue, its result and failure
    kept as long as a question's: a study job (the problem of the day, a practice deadline)."""
    question_queue(settings, connection).enqueue_at(
        at,
        func,
        *args,
        job_id=job_id,
        job_timeout=job_timeout,
        result_ttl=settings.result_ttl,
        failure_ttl=settings.failure_ttl,
        description=description,
    )


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
    metrics.question(question.target.platform, "cancelled")
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


PENDING_STATES = frozenset({"queued", "started", "scheduled", "deferred"})
"""RQ job states of a question that will still end in an answer or an error (it is waiting or running)."""


def job_states(job_ids: list[str], connection: redis.Redis) -> list[str | None]:
    """The RQ state of each job ("queued", "started", "finished", "failed", "stopped", "canceled", ...),
    None for a job that does not exist (never queued, or expired)."""
    jobs = Job.fetch_many(job_ids, connection=connection, serializer=JSONSerializer)
    states: list[str | None] = []
    for job in jobs:
        status = job.get_status(refresh=False) if job is not None else None
        states.append(str(status.value) if status is not None else None)
    return states


def workers_alive(settings: Settings, connection: redis.Redis, *, evaluation: bool = False) -> int:
    """How many workers listen on the question queue (with `evaluation`: on the evaluation queue)."""
    queue = eval_queue(settings, connection) if evaluation else question_queue(settings, connection)
    return Worker.count(connection=connection, queue=queue)


REGISTRIES = (
    StartedJobRegistry,
    FinishedJobRegistry,
    FailedJobRegistry,
    CanceledJobRegistry,
    DeferredJobRegistry,
    ScheduledJobRegistry,
)
"""Where RQ keeps a queue's jobs once taken off it."""


def forget(connection: redis.Redis, name: str) -> list[str]:
    """Delete RQ queue `name` with its jobs, their results, its registries and the records of its stopped
    workers (a throwaway queue: the demo's, a benchmark's). Returns the ids of the jobs it held."""
    rq_queue = QuestionQueue(name, connection=connection)
    registries = [registry(name, connection=connection) for registry in REGISTRIES]
    ids = set(rq_queue.get_job_ids()).union(*(r.get_job_ids(cleanup=False) for r in registries))
    for job_id in ids:
        with suppress(NoSuchJobError):  # expired or deleted already: its result still goes
            Job.fetch(job_id, connection=connection, serializer=JSONSerializer).delete()
        connection.delete(Job.key_for(job_id), Result.get_key(job_id))
    connection.delete(*(registry.key for registry in registries))
    rq_queue.delete(delete_jobs=True)
    for key in connection.scan_iter(match=Worker.redis_worker_namespace_prefix + "*", count=1000):
        queues = connection.hget(key, "queues")
        if name in (queues.decode() if isinstance(queues, bytes) else str(queues or "")).split(","):
            connection.delete(key)
    return sorted(ids)
