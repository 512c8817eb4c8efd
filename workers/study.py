"""The RQ jobs of the study features: a check's verdict, a practice problem's worked solution, the problem
of the day and a practice problem's deadline.

`run_task` is the job of a question whose answer is not posted as such (`Question.task`): "check"
answers it with MATHBOT_VOTE_SAMPLES samples and tells only the asker whether their answer is the
majority's; "solution" keeps the answer as a practice problem's worked solution, shown at its reveal.
Like `workers.answer`, every run takes the question's fencing number and speaks only through its gate,
so a check's verdict is delivered once. Nothing it says is public: progress shows no snippet of the
model's work and no answer of a sample, and an error goes to the asker alone.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from rq import get_current_job
from rq.job import Job
from rq.timeouts import JobTimeoutException

from mathbot import errors, limits, platforms, runs
from mathbot.jobs import Question, ReplyTarget
from mathbot.outcome import Answer
from mathbot.queue import CLOSE_FUNC, DAILY_FUNC, STUDY_FUNC
from mathbot.reply import Reply
from mathbot.settings import Settings, get_settings
from mathbot.study import cards, check, daily, hidden, practice, solving, texts
from workers.answer import Superseded, _generate, _progress, _summary, deliver
from workers.fleet import Fleet

log = logging.getLogger(__name__)

FUNCTIONS = frozenset({STUDY_FUNC, DAILY_FUNC, CLOSE_FUNC})
"""The jobs of this module, by import path: their failures are handled here (`after_failure`)."""


def run_task(payload: dict[str, Any]) -> dict[str, Any]:
    """Answer a study question (`payload`: a `Question`) and use the answer for its task."""
    settings = get_settings()
    question = Question.model_validate(payload)
    job = get_current_job()
    connection = job.connection if job else redis.Redis.from_url(settings.redis_url)
    gate = runs.Gate(connection, question.id, runs.begin(connection, question.id, settings.result_ttl))
    if gate.standing() is not runs.Standing.OPEN:
        log.info("question=%s is %s; nothing to do", question.id, runs.state(connection, question.id))
        return {"status": runs.state(connection, question.id) or "duplicate"}
    log.info("question=%s run=%d task=%s started", question.id, gate.run, question.task)
    if question.task == "solution":
        return _solution(connection, question, gate, settings)
    try:
        reply = platforms.reply_for(question.target, settings)
    except errors.NotInstalled as exc:
        log.warning("question=%s dropped: %s", question.id, exc.detail)
        gate.finish("cancelled", settings.result_ttl)
        limits.release(connection, question, settings)
        return {"status": "dropped", "error": "NotInstalled"}
    try:
        answer = _generate(
            question, hidden.quiet(_progress(reply, gate)), settings, Fleet(settings, connection)
        )
    except Superseded:
        return {"status": "superseded"}
    except JobTimeoutException:
        return _tell(connection, question, gate, reply, errors.TimedOut(), settings)
    except errors.MathbotError as exc:
        return _tell(connection, question, gate, reply, exc, settings)
    result = check.against_answer(question.given or "", answer)
    hidden.keep(connection, question.id, _hidden(question, answer, result), settings.result_ttl)
    log.info(
        "question=%s check: %s (%d of %d samples agree, %d match the asker's)",
        question.id,
        result.outcome,
        result.agree,
        result.samples,
        result.matches,
    )
    deliver(connection, question, gate, lambda: reply.card(cards.verdict(result, question.id)), settings)
    return {**_summary(answer), "verdict": result.outcome}


def _hidden(question: Question, answer: Answer, result: check.Verdict) -> hidden.Hidden:
    target = question.target
    return hidden.Hidden(
        platform=target.platform,
        channel=target.channel,
        owner=target.user,
        problem=question.text,
        final=None if answer.truncated else answer.final,
        solution=answer.solution,
        reasoning=answer.reasoning,
        note=texts.majority_of(result.agree, result.samples),
        tokens=answer.vote.tokens if answer.vote else answer.completion_tokens,
        seconds=answer.thinking_seconds,
    )


def _tell(
    connection: redis.Redis,
    question: Question,
    gate: runs.Gate,
    reply: Reply,
    error: errors.MathbotError,
    settings: Settings,
) -> dict[str, Any]:
    """A study question failed: tell its asker alone, in plain words."""
    log.warning("question=%s failed: %s %s", question.id, type(error).__name__, error.detail)
    deliver(connection, question, gate, lambda: reply.card(cards.notice(error.user_message)), settings)
    return {"status": "error", "error": type(error).__name__, "message": error.user_message}


def _solution(
    connection: redis.Redis, question: Question, gate: runs.Gate, settings: Settings
) -> dict[str, Any]:
    """A practice problem's worked solution, kept for its reveal; nothing is posted."""

    def silent(_: object) -> None:
        if gate.standing() is not runs.Standing.OPEN:
            raise Superseded()

    try:
        answer = _generate(question, silent, settings, Fleet(settings, connection))
    except Superseded:
        return {"status": "superseded"}
    except (errors.MathbotError, JobTimeoutException) as exc:
        log.warning("question=%s practice=%s no worked solution: %s", question.id, question.ref, exc)
        gate.finish("delivered", settings.result_ttl)
        limits.release(connection, question, settings)
        return {"status": "error", "error": type(exc).__name__}
    if question.ref:
        practice.keep_solution(connection, question.ref, answer)
    gate.finish("delivered", settings.result_ttl)
    limits.release(connection, question, settings)
    log.info(
        "question=%s practice=%s worked solution kept: final=%r", question.id, question.ref, answer.final
    )
    return _summary(answer)


def close_practice(practice_id: str) -> dict[str, Any]:
    """A practice problem's deadline (scheduled with `enqueue_at` when it was posted): its answer, who
    solved it and the worked solution, in its thread, once."""
    settings = get_settings()
    job = get_current_job()
    connection = job.connection if job else redis.Redis.from_url(settings.redis_url)
    closed = solving.close(connection, practice_id)
    if closed is None:
        log.info("practice=%s already revealed (or gone)", practice_id)
        return {"status": "closed already"}
    found, card = closed
    try:
        platforms.reply_for(practice.where(found), settings).card(card)
    except errors.NotInstalled as exc:
        log.warning("practice=%s not revealed: %s", practice_id, exc.detail)
        return {"status": "dropped"}
    except Exception:
        solving.reopen(connection, practice_id)
        raise
    log.info(
        "practice=%s revealed in %s channel=%s thread=%s",
        practice_id,
        found.platform,
        found.channel,
        found.thread,
    )
    return {"status": "revealed"}


def post_daily(platform: str, channel: str, day: str, version: int) -> dict[str, Any]:
    """One slot of a channel's problem of the day (`mathbot.study.daily`): the next slot is scheduled
    first, then the problem is posted once (the slot is claimed), with its thread, worked solution and
    deadline like any practice problem."""
    settings = get_settings()
    job = get_current_job()
    connection = job.connection if job else redis.Redis.from_url(settings.redis_url)
    setting = daily.due(connection, platform, channel, day, version)
    if setting is None:
        return {"status": "nothing to post"}
    slot = daily.slot_of(setting, day)
    daily.schedule(connection, settings, setting, daily.next_slot(setting, slot.at))
    try:
        problem = practice.choose(
            connection,
            settings,
            platform=platform,
            channel=channel,
            set_name=setting.set_name,
            difficulty=None,
        )
        posted = practice.new(
            problem,
            platform=platform,
            channel=channel,
            team=setting.team,
            enterprise=setting.enterprise,
            daily=True,
            settings=settings,
        )
        target = ReplyTarget(
            platform=platform, channel=channel, team=setting.team, enterprise=setting.enterprise
        )
        thread = platforms.reply_for(target, settings).card(practice.card(posted, settings))
    except errors.NotInstalled as exc:
        log.warning("daily %s channel=%s slot %s not posted: %s", platform, channel, day, exc.detail)
        return {"status": "dropped"}
    except Exception:
        daily.release(connection, platform, channel, day)
        raise
    practice.opened(connection, settings, posted, thread or "")
    log.info(
        "daily %s channel=%s slot %s posted: practice=%s %s", platform, channel, day, posted.id, posted.key
    )
    return {"status": "posted", "practice": posted.id, "problem": posted.key}


def after_failure(job: Job, will_retry: bool, reason: str) -> None:
    """A study job died outside its own error handling. A check's asker hears it privately (or that it
    starts over, nothing: the verdict simply comes later); a solution, a daily post or a deadline is
    only logged (a scheduled job of the day is claimed per slot, so a retry never posts twice)."""
    if job.func_name != STUDY_FUNC:
        log.warning("job=%s %s failed (%s); retry=%s", job.id, job.func_name, reason, will_retry)
        return
    settings = get_settings()
    try:
        question = Question.model_validate(job.args[0])
    except Exception:
        log.exception("job=%s failed and its payload is unreadable", job.id)
        return
    log.warning("question=%s study job failed (%s); retry=%s", question.id, reason, will_retry)
    if will_retry or question.task != "check":
        return
    connection = job.connection
    try:
        gate = runs.Gate(connection, question.id, runs.begin(connection, question.id, settings.result_ttl))
        if gate.standing() is not runs.Standing.OPEN:
            return
        reply = platforms.reply_for(question.target, settings)
        deliver(
            connection,
            question,
            gate,
            lambda: reply.card(cards.notice(errors.WorkerLost().user_message)),
            settings,
        )
    except Exception:
        log.exception("question=%s could not tell the asker about the failure", question.id)


def on_failure(job: Job, connection: redis.Redis, exc_type: type, value: BaseException, tb: Any) -> None:
    """RQ failure callback: acts only for jobs abandoned by a dead worker (MathbotWorker covers the rest)."""
    from rq.exceptions import AbandonedJobError

    if isinstance(value, AbandonedJobError):
        after_failure(job, will_retry=bool(job.retries_left), reason="worker lost")
