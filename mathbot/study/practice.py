"""Practice problems: a problem of the bank posted in a channel with a thread of its own, answers
submitted privately and graded at once against the official answer, the solvers listed in the thread in
order (never the answer), "Give up" per person, and the answer revealed at the deadline with mathbot's
worked solution, generated in the background when the problem is posted (a "solution" question).

The platforms post the card (`card`) and the lines; everything else happens here: `opened` keeps the
record, queues the worked solution and schedules the deadline (RQ `enqueue_at`, `workers.study.
close_practice`); `submit` grades, with a cool-down per person (no brute forcing); `close` reveals once.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from datetime import UTC, datetime

import redis
from pydantic import BaseModel

from mathbot import defaults, keys, queue, render
from mathbot.errors import MathbotError
from mathbot.jobs import Question, ReplyTarget, Turn
from mathbot.outcome import Answer
from mathbot.settings import Settings
from mathbot.study import bank, cards, texts

log = logging.getLogger(__name__)

RECENT = 200
"""Problems remembered per channel, so a channel does not see the same problem again soon."""

RECENT_TTL = 365 * 24 * 3600
"""Seconds a channel's list of recent problems lives after its last post."""

KEEP_AFTER_DEADLINE = defaults.STUDY_KEEP_SECONDS
"""Seconds a practice problem (its record, solvers, hints) is kept after its deadline: its buttons keep
answering ("closed", the answer on "Give up") for a month."""

CLOSE_JOB_TIMEOUT = 300
"""Seconds a deadline's job may take (it posts one message)."""


def redis_key(*parts: str) -> str:
    """A key of the practice family (`keys.STUDY` `<kind>:<id>…`)."""
    return keys.STUDY + ":".join(parts)


class Practice(BaseModel):
    """A practice problem as posted in one channel."""

    id: str
    platform: str
    channel: str
    team: str | None = None
    enterprise: str | None = None
    thread: str = ""
    """Where it is discussed: Slack's root message ts, Discord's thread id."""
    key: str
    """The problem's key in the bank."""
    problem: str
    answer: str
    official_solution: str | None = None
    source: str = ""
    difficulty: str | None = None
    daily: bool = False
    posted_at: float
    deadline: float
    solution: str | None = None
    """mathbot's worked solution, once generated."""
    final: str | None = None
    reasoning: str = ""
    tokens: int = 0
    seconds: float = 0.0


def new(
    problem: bank.Problem,
    *,
    platform: str,
    channel: str,
    team: str | None,
    daily: bool,
    settings: Settings,
    enterprise: str | None = None,
) -> Practice:
    """A practice problem about to be posted (its id is the buttons' ref)."""
    now = time.time()
    return Practice(
        id=uuid.uuid4().hex,
        platform=platform,
        channel=channel,
        team=team,
        enterprise=enterprise,
        key=problem.key,
        problem=problem.problem,
        answer=problem.answer,
        official_solution=problem.solution,
        source=problem.source,
        difficulty=problem.difficulty,
        daily=daily,
        posted_at=now,
        deadline=now + settings.practice_deadline,
    )


def choose(
    connection: redis.Redis,
    settings: Settings,
    *,
    platform: str,
    channel: str,
    set_name: str | None,
    difficulty: str | None,
) -> bank.Problem:
    """A problem of the bank for this channel, one it has not seen lately; `MathbotError` when the bank
    is empty or nothing fits (with the sets there are)."""
    found = bank.load(settings.problem_bank)
    if not len(found):
        raise MathbotError(texts.EMPTY_BANK)
    recent = [as_text(k) for k in connection.lrange(redis_key("recent", platform, channel), 0, -1)]
    chosen = found.choose(random.Random(), set_name=set_name, difficulty=difficulty, avoid=recent)
    if chosen is None:
        raise MathbotError(texts.no_such_problems(set_name, difficulty, list(found.sets())))
    return chosen


def card(practice: Practice, settings: Settings) -> cards.Card:
    """The card to post in the channel: the problem, the buttons, when the answer comes out."""
    title = texts.practice_title(practice.source, practice.difficulty, practice.daily)
    name = render.to_text(practice.problem, "console")
    return cards.practice(
        practice.id, practice.problem, title, settings.practice_deadline / 3600, f"{practice.source}: {name}"
    )


def opened(connection: redis.Redis, settings: Settings, practice: Practice, thread: str) -> Practice:
    """The card is posted (its thread is `thread`): keep the record, queue mathbot's worked solution and
    schedule the deadline. A refused solution (limits, a full queue) only means none at the reveal."""
    practice = practice.model_copy(update={"thread": thread})
    ttl = max(settings.practice_deadline, 0) + KEEP_AFTER_DEADLINE
    with connection.pipeline() as pipe:
        pipe.set(redis_key("practice", practice.id), practice.model_dump_json(), ex=ttl)
        pipe.set(redis_key("practice-at", practice.platform, thread), practice.id, ex=ttl)
        pipe.lpush(redis_key("recent", practice.platform, practice.channel), practice.key)
        pipe.ltrim(redis_key("recent", practice.platform, practice.channel), 0, RECENT - 1)
        pipe.expire(redis_key("recent", practice.platform, practice.channel), RECENT_TTL)
        pipe.execute()
    target = where(practice)
    solution = Question(
        target=target, turns=[Turn(role="user", content=practice.problem)], task="solution", ref=practice.id
    )
    try:
        queue.enqueue(solution, settings, connection)
    except MathbotError as exc:
        log.warning("practice=%s worked solution not queued: %s", practice.id, exc.user_message)
    queue.schedule(
        settings,
        connection,
        datetime.fromtimestamp(practice.deadline, UTC),
        queue.CLOSE_FUNC,
        practice.id,
        job_id=f"mathbot-close-{practice.id}",
        job_timeout=CLOSE_JOB_TIMEOUT,
        description=f"{practice.platform}: reveal practice {practice.id}",
    )
    log.info(
        "practice=%s %s posted in %s channel=%s thread=%s, reveal at %.0f",
        practice.id,
        practice.key,
        practice.platform,
        practice.channel,
        thread,
        practice.deadline,
    )
    return practice


def where(practice: Practice) -> ReplyTarget:
    """The practice problem's thread, as a worker reaches it."""
    return ReplyTarget(
        platform=practice.platform,
        channel=practice.channel,
        thread=practice.thread or None,
        team=practice.team,
        enterprise=practice.enterprise,
    )


def load(connection: redis.Redis, practice_id: str) -> Practice | None:
    raw = connection.get(redis_key("practice", practice_id))
    try:
        return Practice.model_validate_json(raw) if raw else None
    except ValueError:
        return None


def at_thread(connection: redis.Redis, platform: str, thread: str) -> Practice | None:
    """The practice problem whose thread is `thread`, if any."""
    found = connection.get(redis_key("practice-at", platform, thread))
    return load(connection, as_text(found)) if found else None


def keep_solution(connection: redis.Redis, practice_id: str, answer: Answer) -> None:
    """mathbot's worked solution is ready: keep it for the reveal (and the hints)."""
    key = redis_key("practice", practice_id)
    for _ in range(5):  # optimistic: a concurrent writer (none today) makes it read again
        with connection.pipeline() as pipe:
            try:
                pipe.watch(key)
                found = load(connection, practice_id)
                if found is None:
                    return
                updated = found.model_copy(
                    update={
                        "solution": answer.solution,
                        "final": None if answer.truncated else answer.final,
                        "reasoning": answer.reasoning,
                        "tokens": answer.completion_tokens,
                        "seconds": answer.thinking_seconds,
                    }
                )
                ttl = connection.ttl(key)
                pipe.multi()
                pipe.set(key, updated.model_dump_json(), ex=ttl if ttl and ttl > 0 else None)
                pipe.execute()
                return
            except redis.WatchError:
                continue


def as_text(value: object) -> str:
    """A Redis reply (bytes) as text."""
    return value.decode() if isinstance(value, bytes) else str(value)
