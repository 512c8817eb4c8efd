"""Questions whose job vanished from Redis while they waited: the worker that takes the orphaned id
tells the asker, once, instead of skipping it in silence.

A Redis that evicts keys (a shared or managed one with `maxmemory` and an LRU policy, run with
MATHBOT_ALLOW_EVICTION) can drop a queued job's hash, `rq:job:<id>`, and keep its id on the queue's
list. RQ skips such an id without a word; the question itself is still kept under
`mathbot:question:<id>` (`mathbot.questions`), so its asker can be told to ask again.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from rq.job import Job
from rq.utils import as_text

from mathbot import errors, limits, platforms, questions, runs
from mathbot.jobs import Question
from mathbot.settings import get_settings

log = logging.getLogger(__name__)

DELIVERY_ATTEMPTS = 2
"""Tries of the "lost" message: it is sent from the worker's own loop, which must not stall for long."""


def check_taken(connection: redis.Redis | None, taken: Any) -> bool:
    """After RQ took `taken` ((queue key, job id) or None) off a queue: if that job's hash is gone, tell
    its asker. True when the job was missing."""
    if connection is None or not taken:
        return False
    job_id = as_text(taken[1])
    try:
        if connection.exists(Job.key_for(job_id)):
            return False
        tell_lost(connection, job_id)
    except Exception:  # telling the asker must never stop the worker from taking the next question
        log.exception("job=%s was missing from Redis; its asker could not be told", job_id)
    return True


def tell_lost(connection: redis.Redis, question_id: str) -> bool:
    """Tell the asker of `question_id` that mathbot lost their question (once, through its gate, unless
    it is already over); True when told."""
    from workers.answer import deliver  # the job module loads the inference client: only when needed

    settings = get_settings()
    question: Question | None = questions.load(connection, question_id)
    if question is None:
        log.error(
            "job=%s was on the queue but its job and its question are both gone from Redis (evicted?): "
            "nobody can be told",
            question_id,
        )
        return False
    log.error(
        "question=%s platform=%s channel=%s its job is gone from Redis (evicted?) before a worker took it; "
        "telling the asker",
        question.id,
        question.target.platform,
        question.target.channel,
    )
    gate = runs.Gate(connection, question.id, runs.begin(connection, question.id, settings.result_ttl))
    if gate.standing() is not runs.Standing.OPEN:
        return False  # cancelled meanwhile: the canceller already told the asker
    try:
        reply = platforms.reply_for(question.target, settings)
    except errors.NotInstalled:
        log.warning("question=%s no one to tell: mathbot is no longer installed there", question.id)
        limits.release(connection, question, settings)
        return False
    try:
        return deliver(
            connection,
            question,
            gate,
            lambda: reply.error(errors.QuestionLost()),
            settings,
            attempts=DELIVERY_ATTEMPTS,
        )
    finally:  # told or not, it no longer counts against the asker's limits
        limits.release(connection, question, settings)
