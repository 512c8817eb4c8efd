"""Questions kept by id, and by the chat messages that show them: how a button finds its question.

A click on "Cancel", "Try again" or "Check with N samples" arrives with the message it sits on. The
adapter asks `behind(platform, message)` for the question answered there: the placeholder is indexed
when the question is queued, and every further message of a long answer when it is posted.
"""

from __future__ import annotations

import redis

from mathbot import keys
from mathbot.jobs import Question


def keep(connection: redis.Redis, question: Question, ttl: int) -> None:
    """Store the question, and index its placeholder (when it has one) as showing it."""
    target = question.target
    with connection.pipeline() as pipe:
        pipe.set(keys.QUESTION + question.id, question.model_dump_json(), ex=ttl)
        if target.placeholder:
            pipe.set(_message(target.platform, target.placeholder), question.id, ex=ttl)
        pipe.execute()


def link(connection: redis.Redis, platform: str, message: str, question_id: str, ttl: int) -> None:
    """Index one more message (a further part of an answer) as showing the question."""
    connection.set(_message(platform, message), question_id, ex=ttl)


def question_id(connection: redis.Redis, platform: str, message: str) -> str | None:
    """The id of the question shown in `message`, if it is known."""
    found = connection.get(_message(platform, message))
    return found.decode() if isinstance(found, bytes) else found


def load(connection: redis.Redis, question_id: str) -> Question | None:
    """A stored question by id, or None when it expired (or is not one)."""
    raw = connection.get(keys.QUESTION + question_id)
    if raw is None:
        return None
    try:
        return Question.model_validate_json(raw)
    except ValueError:
        return None


def behind(
    connection: redis.Redis, platform: str, message: str, *, channel: str | None = None
) -> Question | None:
    """The question shown in `message` (its placeholder or a further part of its answer), or None.

    With `channel`, a question asked in another channel does not count (Slack's message ids, `ts`, are
    unique per channel only).
    """
    found = question_id(connection, platform, message)
    question = load(connection, found) if found else None
    if question is None or (channel is not None and question.target.channel != channel):
        return None
    return question


def parts(connection: redis.Redis, platform: str, placeholder: str) -> dict[int, str]:
    """Message ids of the further messages of the answer in `placeholder`, by part index (1, 2, …)."""
    raw = connection.hgetall(f"{keys.PARTS}{platform}:{placeholder}")
    return {int(k): v.decode() if isinstance(v, bytes) else str(v) for k, v in raw.items()}


def add_part(
    connection: redis.Redis, platform: str, placeholder: str, index: int, message: str, ttl: int
) -> None:
    """Remember further message `index` of the answer in `placeholder` (a repeated delivery edits it),
    and index it as showing the same question as the placeholder."""
    key = f"{keys.PARTS}{platform}:{placeholder}"
    owner = question_id(connection, platform, placeholder)
    with connection.pipeline() as pipe:
        pipe.hset(key, str(index), message)
        pipe.expire(key, ttl)
        if owner:
            pipe.set(_message(platform, message), owner, ex=ttl)
        pipe.execute()


def drop_part(connection: redis.Redis, platform: str, placeholder: str, index: int) -> None:
    """Forget further message `index` (it was deleted: a shorter answer replaced a longer one)."""
    connection.hdel(f"{keys.PARTS}{platform}:{placeholder}", str(index))


def _message(platform: str, message: str) -> str:
    return f"{keys.MESSAGE}{platform}:{message}"
