"""The RQ job: answer one question and deliver the result through its platform's Reply, once."""

from __future__ import annotations

import logging
import time
from typing import Any

import redis
from rq import get_current_job
from rq.exceptions import AbandonedJobError
from rq.job import Job
from rq.timeouts import JobTimeoutException

from bots.reply import Reply, reply_for
from mathbot import errors, limits, messages, queue, threads
from mathbot.jobs import Question, Turn
from mathbot.outcome import Answer, Progress
from mathbot.settings import Settings, get_settings
from workers.consensus import generate_votes
from workers.generate import generate
from workers.inference import InferenceServer

log = logging.getLogger(__name__)


def answer_question(payload: dict[str, Any]) -> dict[str, Any]:
    """Answer the question in `payload` (a `Question` as JSON); the return value is the job's result."""
    settings = get_settings()
    question = Question.model_validate(payload)
    job = get_current_job()
    connection = job.connection if job else redis.Redis.from_url(settings.redis_url)
    if queue.is_delivered(connection, question.id):
        log.info("question=%s already delivered; nothing to do", question.id)
        return {"status": "duplicate"}
    if queue.is_cancelled(connection, question.id):  # cancelled just as this worker picked it up
        log.info("question=%s was cancelled; not generating", question.id)
        return {"status": "cancelled"}
    try:
        reply = reply_for(question.target, settings)
    except errors.NotInstalled as exc:  # uninstalled while it waited: no one to answer, nothing to retry
        log.warning("question=%s dropped: %s", question.id, exc.detail)
        limits.release(connection, question, settings)
        return {"status": "dropped", "error": "NotInstalled", "message": exc.user_message}
    try:
        answer = _generate(question, _safe_progress(reply, question.id, connection), settings)
    except errors.MathbotError as exc:
        log.info("question=%s failed: %s %s", question.id, type(exc).__name__, exc.detail)
        deliver_error(connection, question, reply, exc, settings)
        return {"status": "error", "error": type(exc).__name__, "message": exc.user_message}
    except JobTimeoutException:
        deliver_error(connection, question, reply, errors.MathbotError(messages.TIMED_OUT), settings)
        return {"status": "error", "error": "TimedOut", "message": messages.TIMED_OUT}
    if answer.solution and not answer.truncated:  # before delivery: a quick follow-up must see it
        threads.record(
            connection, threads.key_for(question.target), Turn(role="assistant", content=answer.solution)
        )
    try:
        _deliver(connection, question, lambda: reply.answer(answer), settings)
    except Exception:
        # The answer exists: never let RQ regenerate minutes of GPU work because a chat call failed.
        log.exception("question=%s answer could not be posted; telling the asker", question.id)
        error = errors.MathbotError(messages.UNDELIVERABLE)
        try:
            _deliver(connection, question, lambda: reply.error(error), settings, attempts=1)
        except Exception:
            log.exception("question=%s the chat refuses every message; giving up", question.id)
        return {**_summary(answer), "status": "undelivered"}
    return _summary(answer)


def _generate(question: Question, progress: Any, settings: Settings) -> Answer:
    """One generation, or for a question asked with several samples, the majority of that many."""
    samples = question.sampling.samples
    if samples > 1:
        return generate_votes(question, lambda: InferenceServer(settings), progress, settings, samples)
    server = InferenceServer(settings)
    try:
        return generate(question, server, progress, settings)
    finally:
        server.close()


def _summary(answer: Answer) -> dict[str, Any]:
    return {
        "status": "truncated" if answer.truncated else "answered",
        "final": answer.final,
        "finish_reason": answer.finish_reason,
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.completion_tokens,
        "thinking_seconds": round(answer.thinking_seconds, 2),
        "elapsed": round(answer.elapsed, 2),
        "vote": [list(pair) for pair in answer.vote.answers] if answer.vote else None,
    }


def _safe_progress(reply: Reply, question_id: str, connection: redis.Redis) -> Any:
    """Progress is best effort: a failed edit must never cost the answer. Once the question is
    cancelled (the stop command is on its way), no edit may overwrite the canceller's message."""

    def report(progress: Progress) -> None:
        try:
            if queue.is_cancelled(connection, question_id):
                return
            reply.progress(progress)
        except JobTimeoutException:
            raise  # the job's time is up: that must reach answer_question, not be logged away
        except Exception:
            log.warning("question=%s progress update failed", question_id, exc_info=True)

    return report


DELIVERY_ATTEMPTS = 5
"""Tries of one final message when the chat fails (a platform hiccup, a 429 beyond the client's own
waits): every Reply's `answer`/`error` is idempotent, so trying again edits rather than posts twice."""

DELIVERY_BACKOFF = 2.0
"""First wait between two tries of a final message, doubling (2 + 4 + 8 + 16 s: half a minute)."""


def _deliver(
    connection: redis.Redis,
    question: Question,
    send: Any,
    settings: Settings,
    *,
    attempts: int = DELIVERY_ATTEMPTS,
    sleep: Any = time.sleep,
) -> None:
    """Send the final message, then mark the question delivered (a crash in between may repeat it,
    which beats never delivering: the window is one Redis round trip). A cancelled question stays
    silent: whoever cancelled it told the asker. A delivered one too: two runs of one question can
    overlap (a work horse orphaned by its killed worker, and the retry RQ starts once the job counts
    as abandoned), and only the first to finish speaks. A failing send is tried `attempts` times."""
    if queue.is_cancelled(connection, question.id) or queue.is_delivered(connection, question.id):
        log.info("question=%s already delivered or cancelled; not sending again", question.id)
        return
    for attempt in range(attempts):
        try:
            send()
            break
        except JobTimeoutException:
            raise
        except Exception as exc:
            if attempt + 1 == attempts:
                raise
            wait = DELIVERY_BACKOFF * 2**attempt
            log.warning(
                "question=%s delivery failed (%s); trying again in %.0f s",
                question.id,
                type(exc).__name__,
                wait,
            )
            sleep(wait)
    queue.mark_delivered(connection, question.id, settings)
    limits.release(connection, question, settings)


def deliver_error(
    connection: redis.Redis, question: Question, reply: Reply, error: errors.MathbotError, settings: Settings
) -> None:
    """Tell the asker that their question failed, unless something already reached them."""
    if not queue.is_delivered(connection, question.id):
        _deliver(connection, question, lambda: reply.error(error), settings)


def after_failure(job: Job, will_retry: bool, reason: str) -> None:
    """Called when a job died outside our own error handling (worker killed, lost, timed out).

    If RQ will run it again, the asker sees that it starts over; otherwise they get a plain error.
    """
    settings = get_settings()
    try:
        question = Question.model_validate(job.args[0])
    except Exception:
        log.exception("job=%s failed and its payload is unreadable", job.id)
        return
    log.warning("question=%s job failed (%s); retry=%s", question.id, reason, will_retry)
    connection = job.connection
    try:
        if queue.is_cancelled(connection, question.id) or queue.is_delivered(connection, question.id):
            return  # the asker already has the last word (the answer, or the canceller's message)
        try:
            reply = reply_for(question.target, settings)
        except errors.NotInstalled:
            log.warning("question=%s no one to tell: mathbot is no longer installed there", question.id)
            return
        if will_retry:
            reply.progress(Progress("retrying", detail=messages.WORKER_RESTARTED))
        else:
            deliver_error(connection, question, reply, errors.MathbotError(messages.WORKER_LOST), settings)
    except Exception:
        log.exception("question=%s could not tell the asker about the failure", question.id)


def on_failure(job: Job, connection: redis.Redis, exc_type: type, value: BaseException, tb: Any) -> None:
    """RQ failure callback: acts only for jobs abandoned by a dead worker (MathbotWorker covers the rest)."""
    if isinstance(value, AbandonedJobError):
        after_failure(job, will_retry=bool(job.retries_left), reason="worker lost")
