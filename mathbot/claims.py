"""One-time claims in Redis (SET NX): the second delivery of an event, a second click, a second upload lose.

Every "once per …" of mathbot is a claim: Slack's retried events and Discord's redelivered gateway
events (dedupe), a button that may work once per answer, formula images posted once.
"""

from __future__ import annotations

import redis

from mathbot import keys


def claim(connection: redis.Redis, name: str, ttl: int) -> bool:
    """True the first time `name` is claimed within `ttl` seconds; False for every later claim."""
    return bool(connection.set(keys.SEEN + name, 1, nx=True, ex=ttl))


def unclaim(connection: redis.Redis, *names: str) -> None:
    """Give claims back: what they guarded did not happen, so a later attempt may do it."""
    if names:
        connection.delete(*(keys.SEEN + name for name in names))


def claimed(connection: redis.Redis, name: str) -> bool:
    """Whether `name` is claimed now (what it guards happened, or is happening)."""
    return bool(connection.exists(keys.SEEN + name))
