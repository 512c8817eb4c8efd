"""The RQ job: answer one question and deliver the result through its platform's Reply, once.

Every run of a question takes a fencing number and speaks only through the question's gate
(`mathbot.runs`): a progress edit, the answer and an error each happen only while the question is open
and this run is its current one. A run that finds itself superseded (an orphaned work horse, a run the
sweep gave up on) stops generating.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import redis
from rq import get_current_job
from rq.exceptions import AbandonedJobError
from rq.job import Job
from rq.timeouts import JobTimeoutException

from mathbot import errors, limits, messages, metrics, platforms, runs, threads
from mathbot.backoff import backoff
from mathbot.jobs import Question, Turn
from mathbot.outcome import Answer, Progress
from mathbot.reply import Reply
from mathbot.settings import Settings, get_settings
from mathbot.study import hidden, modes
from workers.consensus import generate_votes
from workers.fleet import Fleet
from workers.generate import generate

log = logging.getLogger(__name__)


class Superseded(Exception):
    """This run no longer speaks for its question (another run took over, or it is over): stop."""


def answer_question(payload: dict[str, Any]) -> dict[str, Any]:
    """Answer the question in `payload` (a `Question` as JSON); the return value is the job's result.

    A question that ends in an error (told to its asker) raises `errors.Reported`, so RQ shows the job as
    failed, with why; `MathbotWorker` neither retries it nor tells the asker again.
    """
    settings = get_settings()
    question = Question.model_validate(payload)
    job = get_current_job()
    connection = job.connection if job else redis.Redis.from_url(settings.redis_url)
    gate = runs.Gate(connection, question.id, runs.begin(connection, question.id, settings.result_ttl))
    standing = gate.standing()
    if standing is not runs.Standing.OPEN:
        log.info("question=%s is %s; nothing to do", question.id, runs.state(connection, question.id))
        return {"status": runs.state(connection, question.id) or "duplicate"}
    log.info("question=%s run=%d started", question.id, gate.run)
    if job is not None and job.origin == settings.queue:  # a user's question (not an evaluation's)
        metrics.waited(job.enqueued_at)
    try:
        reply = platforms.reply_for(question.target, settings)
    except errors.NotInstalled as exc:  # uninstalled while it waited: no one to answer, nothing to retry
        log.warning("question=%s dropped: %s", question.id, exc.detail)
        gate.finish("cancelled", settings.result_ttl)
        limits.release(connection, question, settings)
        metrics.question(question.target.platform, "cancelled")
        return {"status": "dropped", "error": "NotInstalled", "message": exc.user_message}
    hide = modes.hides(connection, settings, question)  # study mode: the answer behind buttons
    try:
        report = _progress(reply, gate)
        progress = hidden.quiet(report) if hide else report
        answer = _generate(question, progress, settings, Fleet(settings, connection))
    except Superseded:
        log.info("question=%s run=%d superseded: stopped generating", question.id, gate.run)
        return {"status": "superseded"}
    except JobTimeoutException:
        return _fail(connection, question, gate, reply, errors.TimedOut(), settings)
    except errors.MathbotError as exc:
        return _fail(connection, question, gate, reply, exc, settings)
    if answer.solution and not answer.truncated:  # before delivery: a quick follow-up must see it
        threads.record(
            connection, threads.key_for(question.target), Turn(role="assistant", content=answer.solution)
        )
    try:
        show = (
            (lambda: reply.card(modes.hidden_answer(connection, settings, question, answer)))
            if hide
            else (lambda: reply.answer(answer))
        )
        delivered = deliver(connection, question, gate, show, settings)
    except Exception:
        # The answer exists: never let RQ regenerate minutes of GPU work because a chat call failed.
        log.exception("question=%s answer could not be posted; telling the asker", question.id)
        try:
            deliver(
                connection, question, gate, lambda: reply.error(errors.Undeliverable()), settings, attempts=1
            )
        except Exception:
            log.exception("question=%s the chat refuses every message; giving up", question.id)
        metrics.question(question.target.platform, "failed")
        raise errors.Reported(errors.Undeliverable()) from None
    if delivered:
        metrics.answered(question.target.platform, answer)
    return _summary(answer)


def _fail(
    connection: redis.Redis,
    question: Question,
    gate: runs.Gate,
    reply: Reply,
    error: errors.MathbotError,
    settings: Settings,
) -> dict[str, Any]:
    """Tell the asker `error` and raise `errors.Reported`; returns only when it was not this run's to tell
    (the question is over, or another run has it)."""
    log.warning("question=%s failed: %s %s", question.id, type(error).__name__, error.detail)
    if not deliver(connection, question, gate, lambda: reply.error(error), settings):
        return {"status": "over", "error": type(error).__name__, "message": error.user_message}
    metrics.ended_with(question.target.platform, error)
    raise errors.Reported(error) from error


def _generate(
    question: Question, progress: Callable[[Progress], None], settings: Settings, fleet: Fleet
) -> Answer:
    """One generation, or for a question asked with several samples, the majority of that many."""
    samples = question.sampling.samples
    if samples > 1:
        return generate_votes(question, fleet, progress, settings, samples)
    return generate(question, fleet, progress, settings)


def _summary(answer: Answer) -> dict[str, Any]:
    return {
        "status": "truncated" if answer.truncated else "rescued" if answer.rescued else "answered",
        "final": answer.final,
        "finish_reason": answer.finish_reason,
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.completion_tokens,
        "thinking_seconds": round(answer.thinking_seconds, 2),
        "elapsed": round(answer.elapsed, 2),
        "vote": [list(pair) for pair in answer.vote.answers] if answer.vote else None,
    }


def _progress(reply: Reply, gate: runs.Gate) -> Callable[[Progress], None]:
    """Progress through the gate, best effort: skipped while another edit holds the gate, never after
    the question is over; a failed edit never costs the answer. A run that is no longer current (or
    whose question is over) is told to stop (`Superseded`)."""

    def report(progress: Progress) -> None:
        try:
            with gate.turn() as standing:
                if standing is runs.Standing.OPEN:
                    reply.progress(progress)
        except JobTimeoutException:
            raise  # the job's time is up: that must reach answer_question, not be logged away
        except Exception:
            log.warning("question=%s progress update failed", gate.question_id, exc_info=True)
            return
        if standing in (runs.Standing.SUPERSEDED, runs.Standing.OVER):
            raise Superseded()

    return report


DELIVERY_ATTEMPTS = 5
"""Tries of one final message when the chat fails (a platform hiccup, a 429 beyond the client's own
waits): every Reply's `answer`/`error` is idempotent, so trying again edits rather than posts twice."""

DELIVERY_BACKOFF = 2.0
"""First wait between two tries of a final message, doubling (2 + 4 + 8 + 16 s: half a minute)."""


def deliver(
    connection: redis.Redis,
    question: Question,
    gate: runs.Gate,
    send: Callable[[], object],
    settings: Settings,
    *,
    attempts: int = DELIVERY_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Send the final message through the gate, then mark the question delivered; False when it was not
    this run's to send (the question is over: answered by another run, or cancelled, whose canceller
    told the asker; or another run took over). A crash between the send and the mark may repeat the
    message, which beats never delivering (every Reply edits rather than posts twice). A failing send
    is tried `attempts` times, with backoff, outside the gate."""
    for attempt in range(attempts):
        with gate.turn(runs.FINAL_WAIT_SECONDS, final=True) as standing:
            if standing is not runs.Standing.OPEN:
                log.info("question=%s run=%s: %s, not sending", question.id, gate.run, standing)
                return False
            try:
                send()
            except JobTimeoutException:
                raise
            except Exception as exc:
                if attempt + 1 == attempts:
                    raise
                failure = exc
            else:
                gate.finish("delivered", settings.result_ttl)
                limits.release(connection, question, settings)
                return True
        wait = backoff(attempt, DELIVERY_BACKOFF, jitter=False)
        log.warning(
            "question=%s delivery failed (%s); trying again in %.0f s",
            question.id,
            type(failure).__name__,
            wait,
        )
        sleep(wait)
    return False


def after_failure(job: Job, will_retry: bool, reason: str) -> None:
    """Called when a job died outside our own error handling (worker killed, lost, timed out).

    The run that died is superseded first (if it lives on as an orphan, it stops at its next progress
    report); then, if RQ will run the question again, the asker sees that it starts over, otherwise a
    plain error.
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
        gate = runs.Gate(connection, question.id, runs.begin(connection, question.id, settings.result_ttl))
        if gate.standing() is not runs.Standing.OPEN:
            return  # the asker already has the last word (the answer, or the canceller's message)
        try:
            reply = platforms.reply_for(question.target, settings)
        except errors.NotInstalled:
            log.warning("question=%s no one to tell: mathbot is no longer installed there", question.id)
            return
        if will_retry:
            with gate.turn(runs.FINAL_WAIT_SECONDS, final=True) as standing:
                if standing is runs.Standing.OPEN:
                    reply.progress(Progress("retrying", detail=messages.WORKER_RESTARTED))
        elif deliver(connection, question, gate, lambda: reply.error(errors.WorkerLost()), settings):
            metrics.question(question.target.platform, "failed")
    except Exception:
        log.exception("question=%s could not tell the asker about the failure", question.id)


def on_failure(job: Job, connection: redis.Redis, exc_type: type, value: BaseException, tb: Any) -> None:
    """RQ failure callback: acts only for jobs abandoned by a dead worker (MathbotWorker covers the rest)."""
    if isinstance(value, AbandonedJobError):
        after_failure(job, will_retry=bool(job.retries_left), reason="worker lost")
