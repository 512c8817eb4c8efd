"""Discord state in Redis that the adapter shares with workers: whether it reads every message."""

from __future__ import annotations

import redis

from mathbot import keys


def set_message_content(connection: redis.Redis, enabled: bool) -> None:
    """Record whether the running adapter got the Message Content intent: workers word their hints by it."""
    connection.set(keys.DISCORD_INTENT, "1" if enabled else "0")


def message_content(connection: redis.Redis, default: bool) -> bool:
    """What the adapter reported, or `default` when no adapter has said yet."""
    value = connection.get(keys.DISCORD_INTENT)
    return default if value is None else value in (b"1", "1")
