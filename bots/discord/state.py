"""Redis state shared by the adapter and the worker-side reply: placeholder hand-over and posted parts.

The adapter posts a placeholder, enqueues, then edits the placeholder to "queued". A fast worker
could edit the same message first, and the adapter's late "queued" would then overwrite progress
or even the answer. So the adapter *holds* the placeholder until its own edit is done; meanwhile
the worker skips progress edits and waits (bounded) before the answer or error.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import redis

HOLD_TTL = 30
"""Seconds a hold lasts at most: an adapter that dies mid-hand-over never blocks the answer for long."""

PARTS_TTL = 7 * 24 * 3600
"""Seconds the ids of an answer's extra messages are kept (a retried delivery edits them, not reposts)."""

HOLD_PREFIX = "mathbot:discord:hold:"
PARTS_PREFIX = "mathbot:discord:parts:"
PART_OF_PREFIX = "mathbot:discord:part-of:"
"""A further message of a long answer → the answer's first message (its placeholder)."""


def hold(connection: redis.Redis, placeholder: str) -> None:
    """The adapter still owns this placeholder (it will edit it once more)."""
    connection.set(HOLD_PREFIX + placeholder, 1, ex=HOLD_TTL)


def release(connection: redis.Redis, placeholder: str) -> None:
    """The adapter's last edit of the placeholder is done: the worker may edit it now."""
    connection.delete(HOLD_PREFIX + placeholder)


def is_held(connection: redis.Redis, placeholder: str) -> bool:
    return bool(connection.exists(HOLD_PREFIX + placeholder))


def wait_released(
    connection: redis.Redis,
    placeholder: str,
    *,
    timeout: float = HOLD_TTL,
    interval: float = 0.1,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Wait until the adapter released the placeholder; False if it still held it after `timeout`."""
    deadline = time.monotonic() + timeout
    while is_held(connection, placeholder):
        if time.monotonic() >= deadline:
            return False
        sleep(interval)
    return True


def posted_parts(connection: redis.Redis, placeholder: str) -> dict[int, str]:
    """Message ids of the extra answer messages already posted for this placeholder, by part index."""
    raw = connection.hgetall(PARTS_PREFIX + placeholder)
    return {int(k): v.decode() if isinstance(v, bytes) else str(v) for k, v in raw.items()}


def remember_part(connection: redis.Redis, placeholder: str, index: int, message_id: str) -> None:
    with connection.pipeline() as pipe:
        pipe.hset(PARTS_PREFIX + placeholder, str(index), message_id)
        pipe.expire(PARTS_PREFIX + placeholder, PARTS_TTL)
        pipe.set(PART_OF_PREFIX + message_id, placeholder, ex=PARTS_TTL)
        pipe.execute()


def head_of(connection: redis.Redis, message_id: str) -> str:
    """The first message of the answer that `message_id` belongs to (itself when it is not a further part)."""
    raw = connection.get(PART_OF_PREFIX + message_id)
    return raw.decode() if isinstance(raw, bytes) else str(raw) if raw else message_id


def forget_part(connection: redis.Redis, placeholder: str, index: int) -> None:
    connection.hdel(PARTS_PREFIX + placeholder, str(index))


INTENT_KEY = "mathbot:discord:message_content"
"""Whether the running adapter got the Message Content intent ("1"/"0"): the worker words its hints by it."""


def set_message_content(connection: redis.Redis, enabled: bool) -> None:
    connection.set(INTENT_KEY, "1" if enabled else "0")


def message_content(connection: redis.Redis, default: bool) -> bool:
    """What the adapter reported, or `default` when no adapter has said yet."""
    value = connection.get(INTENT_KEY)
    return default if value is None else value in (b"1", "1")
