"""Slack state in Redis, keyed by a message (channel + ts): stored questions and reasoning for the
buttons, the ts of an answer's follow-up messages (so a repeated delivery edits instead of posting),
and a per-message lock with a stage mark so a late "queued" or progress edit never hides an answer (nor
an answer a cancellation).
"""

from __future__ import annotations

import json
import zlib
from typing import Any

import redis
from redis.lock import Lock

from mathbot.jobs import Question

PREFIX = "mathbot:slack:"

PROGRESS = "progress"
"""Stage of a placeholder the worker has edited with progress."""

FINAL = "final"
"""Stage of a placeholder that shows the answer or an error: nothing may edit it back."""

CANCELLED = "cancelled"
"""Stage of a placeholder that says its question was cancelled: no progress, answer or error follows."""

DONE = frozenset({FINAL, CANCELLED})
"""Stages after which progress edits stop."""

IMAGES, SHOWN, RETRIED, VOTED = "images-posted", "reasoning-shown", "retried", "voted"
"""One-time claims per answer (`once`): its formula images, its reasoning file, its "Try again", its
"Check with N samples"."""

LOCK_SECONDS = 30
"""A lock holder that died releases the message after this long (one Slack call takes ≤ 15 s)."""

FINAL_WAIT_SECONDS = 15
"""How long a final answer waits for an in-flight edit of its placeholder before editing anyway."""


def _key(kind: str, channel: str, ts: str) -> str:
    return f"{PREFIX}{kind}:{channel}:{ts}"


def save_question(connection: redis.Redis, channel: str, ts: str, question: Question, ttl: int) -> None:
    """Keep the question answered in placeholder `ts`, for its "Try again" button."""
    connection.set(_key("question", channel, ts), question.model_dump_json(), ex=ttl)


def load_question(connection: redis.Redis, channel: str, ts: str) -> Question | None:
    raw = connection.get(_key("question", channel, ts))
    return Question.model_validate_json(raw) if raw else None


def save_reasoning(connection: redis.Redis, channel: str, ts: str, record: dict[str, Any], ttl: int) -> None:
    """Keep an answer's reasoning (and what the file needs) for its "Show reasoning" button.

    Compressed: a 10K-token chain of thought is ~40 KB of text and ~10-15 KB stored.
    """
    connection.set(_key("reasoning", channel, ts), zlib.compress(json.dumps(record).encode()), ex=ttl)


def load_reasoning(connection: redis.Redis, channel: str, ts: str) -> dict[str, Any] | None:
    raw = connection.get(_key("reasoning", channel, ts))
    return json.loads(zlib.decompress(raw)) if isinstance(raw, bytes) else None


def part_ts(connection: redis.Redis, channel: str, ts: str, index: int) -> str | None:
    """The ts of follow-up message `index` of the answer in placeholder `ts`, if already posted."""
    raw = connection.hget(_key("parts", channel, ts), str(index))
    return raw.decode() if isinstance(raw, bytes) else raw


def set_part_ts(connection: redis.Redis, channel: str, ts: str, index: int, part: str, ttl: int) -> None:
    key = _key("parts", channel, ts)
    with connection.pipeline() as pipe:
        pipe.hset(key, str(index), part)
        pipe.expire(key, ttl)
        pipe.execute()


def once(connection: redis.Redis, kind: str, channel: str, ts: str, ttl: int) -> bool:
    """True the first time (`kind`, message) is claimed: one image upload, one retry per answer."""
    return bool(connection.set(_key(kind, channel, ts), 1, nx=True, ex=ttl))


def release(connection: redis.Redis, kind: str, channel: str, ts: str) -> None:
    """Give a claim back (the work failed: the next attempt may do it)."""
    connection.delete(_key(kind, channel, ts))


def message_lock(connection: redis.Redis, channel: str, ts: str) -> Lock:
    """The lock serialising edits of one message across processes (not thread-bound: the adapter
    acquires and releases it from different worker threads)."""
    return connection.lock(_key("lock", channel, ts), timeout=LOCK_SECONDS, thread_local=False)


def mark(connection: redis.Redis, channel: str, ts: str, stage: str, ttl: int) -> None:
    """Record what the message shows now: "progress" (the worker edited it), "final" or "cancelled"."""
    connection.set(_key("stage", channel, ts), stage, ex=ttl)


def stage(connection: redis.Redis, channel: str, ts: str) -> str | None:
    """None while the message is as the adapter posted it; else "progress", "final" or "cancelled"."""
    raw = connection.get(_key("stage", channel, ts))
    return raw.decode() if isinstance(raw, bytes) else raw
