"""Conversation memory per chat thread: the turns of threads mathbot answers in, kept in Redis.

Adapters record each question (and learn whether a thread is one of mathbot's, for follow-ups);
the worker records each answer's solution (reasoning already stripped). Follow-ups then carry
the original LaTeX of earlier answers instead of the chat-formatted text.
"""

from __future__ import annotations

import redis

from mathbot.jobs import ReplyTarget, Turn

THREAD_TTL = 30 * 24 * 3600
"""Seconds a thread's memory lives after its last turn: follow-ups after a month start afresh."""

MAX_TURNS = 200
"""Turns kept per thread (the token budget drops the oldest ones anyway)."""

PREFIX = "mathbot:thread:"


def thread_key(platform: str, channel: str, thread: str | None) -> str:
    return f"{PREFIX}{platform}:{channel}:{thread or '-'}"


def key_for(target: ReplyTarget) -> str:
    """A thread's memory; in a chat without threads (a Discord DM), that of one conversation in it."""
    return thread_key(target.platform, target.channel, target.thread or target.conversation)


def record(connection: redis.Redis, key: str, turn: Turn) -> None:
    """Append a turn to a thread's memory (and keep the memory alive for THREAD_TTL)."""
    with connection.pipeline() as pipe:
        pipe.rpush(key, turn.model_dump_json())
        pipe.ltrim(key, -MAX_TURNS, -1)
        pipe.expire(key, THREAD_TTL)
        pipe.execute()


def history(connection: redis.Redis, key: str) -> list[Turn]:
    """The turns recorded for a thread, oldest first (empty when mathbot never answered there)."""
    return [Turn.model_validate_json(raw) for raw in connection.lrange(key, 0, -1)]


def is_known(connection: redis.Redis, key: str) -> bool:
    """Whether mathbot is answering (or has answered) in this thread."""
    return bool(connection.exists(key))
