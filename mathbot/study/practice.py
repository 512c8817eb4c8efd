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
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from pydantic import BaseModel

from mathbot import claims, equivalence, keys, queue, render
from mathbot.errors import MathbotError
from mathbot.jobs import Question, ReplyTarget, Turn
from mathbot.outcome import Answer
from mathbot.settings import Settings
from mathbot.study import bank, cards, hints, leaderboard, texts

log = logging.getLogger(__name__)

RECENT = 200
"""Problems remembered per channel, so a channel does not see the same problem again soon."""

RECENT_TTL = 365 * 24 * 3600
"""Seconds a channel's list of recent problems lives after its last post."""

KEEP_AFTER_DEADLINE = 30 * 24 * 3600
"""Seconds a practice problem (its record, solvers, hints) is kept after its deadline: its buttons keep
answering ("closed", the answer on "Give up") for a month."""

CLOSE_JOB_TIMEOUT = 300
"""Seconds a deadline's job may take (it posts one message)."""


def _key(*parts: str) -> str:
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


@dataclass(frozen=True)
class Submission:
    """What a submission led to: the verdict for the submitter (`card`, private) and, for a new solve,
    the thread's public line (never the answer)."""

    card: cards.Card
    solved_line: str | None = None
    correct: bool = False
    thread: str | None = None
    """The practice problem's thread, where `solved_line` goes."""


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
    recent = [_text(k) for k in connection.lrange(_key("recent", platform, channel), 0, -1)]
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
        pipe.set(_key("practice", practice.id), practice.model_dump_json(), ex=ttl)
        pipe.set(_key("practice-at", practice.platform, thread), practice.id, ex=ttl)
        pipe.lpush(_key("recent", practice.platform, practice.channel), practice.key)
        pipe.ltrim(_key("recent", practice.platform, practice.channel), 0, RECENT - 1)
        pipe.expire(_key("recent", practice.platform, practice.channel), RECENT_TTL)
        pipe.execute()
    target = where(practice)
    solution = Question(
        target=target, turns=[Turn(role="user", content=practice.problem)], task="solution", ref=practice.id
    )
    try:
        queue.enqueue(solution, settings, connection)
    except MathbotError as exc:
        log.warning("practice=%s worked solution not queued: %s", practice.id, exc.user_message)
    queue.question_queue(settings, connection).enqueue_at(
        datetime.fromtimestamp(practice.deadline, UTC),
        queue.CLOSE_FUNC,
        practice.id,
        job_id=f"mathbot-close-{practice.id}",
        job_timeout=CLOSE_JOB_TIMEOUT,
        result_ttl=settings.result_ttl,
        failure_ttl=settings.failure_ttl,
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


def reopen(connection: redis.Redis, practice_id: str) -> None:
    """The reveal could not be posted: give its claim back (a retry may post it)."""
    claims.unclaim(connection, f"study:closed:{practice_id}")


def load(connection: redis.Redis, practice_id: str) -> Practice | None:
    raw = connection.get(_key("practice", practice_id))
    try:
        return Practice.model_validate_json(raw) if raw else None
    except ValueError:
        return None


def at_thread(connection: redis.Redis, platform: str, thread: str) -> Practice | None:
    """The practice problem whose thread is `thread`, if any."""
    found = connection.get(_key("practice-at", platform, thread))
    return load(connection, _text(found)) if found else None


def keep_solution(connection: redis.Redis, practice_id: str, answer: Answer) -> None:
    """mathbot's worked solution is ready: keep it for the reveal (and the hints)."""
    key = _key("practice", practice_id)
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


def submit(
    connection: redis.Redis,
    settings: Settings,
    practice_id: str,
    *,
    platform: str,
    channel: str,
    user: str,
    name: str,
    given: str,
    now: float | None = None,
) -> Submission:
    """Grade `given` at once against the official answer (blocking: math-verify may run in a child).

    One submission per person per MATHBOT_SUBMIT_COOLDOWN seconds. A first right answer enters the
    solvers in order and the leaderboards; giving up first, or the reveal, makes it not count."""
    now = time.time() if now is None else now
    practice = load(connection, practice_id)
    if practice is None:
        return Submission(cards.notice(texts.PRACTICE_GONE))
    if practice.platform != platform or practice.channel != channel:
        return Submission(cards.notice(texts.PRACTICE_ELSEWHERE))
    given = given.strip()
    if not given:
        return Submission(cards.notice(texts.CHECK_NO_ANSWER))
    if settings.submit_cooldown and not connection.set(
        _key("tries", practice_id, user), 1, nx=True, ex=settings.submit_cooldown
    ):
        wait = max(1, int(connection.ttl(_key("tries", practice_id, user)) or 1))
        return Submission(cards.notice(texts.wait_before(wait)))
    right = equivalence.grade(given, practice.answer)
    log.info("practice=%s submission by user=%s: %s", practice_id, user, "right" if right else "wrong")
    if not right:
        return Submission(cards.notice(texts.submitted_wrong(settings.submit_cooldown)))
    if now >= practice.deadline or claims.claimed(connection, f"study:closed:{practice_id}"):
        return Submission(cards.notice(texts.SUBMITTED_CLOSED), correct=True)
    if connection.sismember(_key("gave-up", practice_id), user):
        return Submission(cards.notice(texts.SUBMITTED_AFTER_GIVING_UP), correct=True)
    elapsed = max(0.0, now - practice.posted_at)
    solvers = _key("solvers", practice_id)
    with connection.pipeline() as pipe:
        pipe.zadd(solvers, {user: elapsed}, nx=True)
        pipe.zrank(solvers, user)
        pipe.expire(solvers, KEEP_AFTER_DEADLINE + settings.practice_deadline)
        added, rank, _ = pipe.execute()
    if not added:
        return Submission(cards.notice(texts.SUBMITTED_AGAIN), correct=True)
    place = int(rank) + 1
    connection.hset(_key("names", platform), user, name)
    leaderboard.record_solve(
        connection,
        platform=platform,
        channel=practice.channel,
        team=practice.team,
        user=user,
        name=name,
        first=place == 1,
        when=datetime.fromtimestamp(now, UTC),
    )
    return Submission(
        cards.notice(texts.submitted_correct(place, elapsed)),
        solved_line=texts.solved_line(name, place, elapsed),
        correct=True,
        thread=practice.thread,
    )


def give_up(
    connection: redis.Redis, practice_id: str, *, platform: str, channel: str, user: str
) -> cards.Card:
    """`user` gives up: the answer and a worked solution, for them only; a later right answer of theirs
    does not count (one that came before stays)."""
    practice = load(connection, practice_id)
    if practice is None:
        return cards.notice(texts.PRACTICE_GONE)
    if practice.platform != platform or practice.channel != channel:
        return cards.notice(texts.PRACTICE_ELSEWHERE)
    solved = connection.zscore(_key("solvers", practice_id), user) is not None
    if not solved:
        connection.sadd(_key("gave-up", practice_id), user)
        connection.expire(
            _key("gave-up", practice_id), KEEP_AFTER_DEADLINE + int(practice.deadline - practice.posted_at)
        )
    solution, note = worked_solution(practice)
    answer = cards.answer_reveal(practice.answer, texts.official_from(practice.source))
    return cards.Card(
        answer.title,
        body=solution,
        notes=(*answer.notes, note, texts.gave_up_note(solved)),
        private=True,
    )


def worked_solution(practice: Practice) -> tuple[str, str]:
    """The solution shown at a reveal, and the line that says whose: mathbot's, else the official one."""
    if practice.solution and practice.solution.strip():
        return practice.solution, texts.MATHBOT_SOLUTION
    if practice.official_solution:
        return practice.official_solution, texts.OFFICIAL_SOLUTION
    return "", texts.NO_WORKED_SOLUTION


def hint(
    connection: redis.Redis, practice_id: str, *, platform: str, channel: str, user: str, ttl: int
) -> cards.Card:
    """The next step of a worked solution, for `user`; a practice hint never gives the final answer
    (that is the submitter's part)."""
    practice = load(connection, practice_id)
    if practice is None:
        return cards.notice(texts.PRACTICE_GONE)
    if practice.platform != platform or practice.channel != channel:
        return cards.notice(texts.PRACTICE_ELSEWHERE)
    solution = practice.official_solution or practice.solution
    if not solution:
        return cards.notice(texts.NOT_READY)
    steps = hints.steps(solution, None)
    number = hints.take(connection, practice_id, user, ttl)
    if not steps or number > len(steps):
        return cards.notice(texts.NO_MORE_PRACTICE_HINTS)
    return cards.hint(number, len(steps), steps[number - 1], final=False)


def close(connection: redis.Redis, practice_id: str) -> tuple[Practice, cards.Card] | None:
    """The deadline: the reveal card for the thread (the answer, who solved it in order, the worked
    solution), once; None when it was closed already or is gone."""
    practice = load(connection, practice_id)
    if practice is None or not claims.claim(connection, f"study:closed:{practice_id}", KEEP_AFTER_DEADLINE):
        return None
    ranked = leaderboard.scored(connection.zrange(_key("solvers", practice_id), 0, -1, withscores=True))
    users = [user for user, _ in ranked]
    names = connection.hmget(_key("names", practice.platform), users) if users else []
    solvers = [
        (_text(name) if name else user, seconds) for (user, seconds), name in zip(ranked, names, strict=True)
    ]
    solution, note = worked_solution(practice)
    return practice, cards.reveal(practice.answer, solution, note, solvers, practice.source)


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
