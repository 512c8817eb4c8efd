"""Solving a practice problem: answers graded at once against the official answer (one try per person per
MATHBOT_SUBMIT_COOLDOWN), the solvers in order and the leaderboards, hints that never give the answer,
"Give up" per person, and the reveal at the deadline, once (`practice` posts and keeps the problem)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import redis

from mathbot import claims, equivalence
from mathbot.settings import Settings
from mathbot.study import cards, hints, leaderboard, texts
from mathbot.study.practice import KEEP_AFTER_DEADLINE, Practice, as_text, load, redis_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Submission:
    """What a submission led to: the verdict for the submitter (`card`, private) and, for a new solve,
    the thread's public line (never the answer)."""

    card: cards.Card
    solved_line: str | None = None
    correct: bool = False
    thread: str | None = None
    """The practice problem's thread, where `solved_line` goes."""


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
        redis_key("tries", practice_id, user), 1, nx=True, ex=settings.submit_cooldown
    ):
        wait = max(1, int(connection.ttl(redis_key("tries", practice_id, user)) or 1))
        return Submission(cards.notice(texts.wait_before(wait)))
    right = equivalence.grade(given, practice.answer)
    log.info("practice=%s submission by user=%s: %s", practice_id, user, "right" if right else "wrong")
    if not right:
        return Submission(cards.notice(texts.submitted_wrong(settings.submit_cooldown)))
    if now >= practice.deadline or claims.claimed(connection, f"study:closed:{practice_id}"):
        return Submission(cards.notice(texts.SUBMITTED_CLOSED), correct=True)
    if connection.sismember(redis_key("gave-up", practice_id), user):
        return Submission(cards.notice(texts.SUBMITTED_AFTER_GIVING_UP), correct=True)
    elapsed = max(0.0, now - practice.posted_at)
    solvers = redis_key("solvers", practice_id)
    with connection.pipeline() as pipe:
        pipe.zadd(solvers, {user: elapsed}, nx=True)
        pipe.zrank(solvers, user)
        pipe.expire(solvers, KEEP_AFTER_DEADLINE + settings.practice_deadline)
        added, rank, _ = pipe.execute()
    if not added:
        return Submission(cards.notice(texts.SUBMITTED_AGAIN), correct=True)
    place = int(rank) + 1
    connection.hset(redis_key("names", platform), user, name)
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
    solved = connection.zscore(redis_key("solvers", practice_id), user) is not None
    if not solved:
        connection.sadd(redis_key("gave-up", practice_id), user)
        connection.expire(
            redis_key("gave-up", practice_id),
            KEEP_AFTER_DEADLINE + int(practice.deadline - practice.posted_at),
        )
    solution, note = worked_solution(practice)
    if not solution:  # given up before mathbot's solution was generated
        note = texts.SOLUTION_PENDING
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
    ranked = leaderboard.scored(connection.zrange(redis_key("solvers", practice_id), 0, -1, withscores=True))
    users = [user for user, _ in ranked]
    names = connection.hmget(redis_key("names", practice.platform), users) if users else []
    solvers = [
        (as_text(name) if name else user, seconds)
        for (user, seconds), name in zip(ranked, names, strict=True)
    ]
    solution, note = worked_solution(practice)
    return practice, cards.reveal(practice.answer, solution, note, solvers, practice.source)


def reopen(connection: redis.Redis, practice_id: str) -> None:
    """The reveal could not be posted: give its claim back (a retry may post it)."""
    claims.unclaim(connection, f"study:closed:{practice_id}")
