"""Slack state in Redis, keyed by a message (channel + ts): an answer's reasoning for "Show reasoning",
and the names of the one-time claims of an answer's buttons and uploads (`mathbot.claims`).
"""

from __future__ import annotations

import json
import zlib
from typing import Any

import redis

from mathbot import keys

IMAGES, SHOWN, RETRIED, VOTED = "images-posted", "reasoning-shown", "retried", "voted"
"""One-time claims per answer: its formula images, its reasoning file, its "Try again", its
"Check with N samples"."""


def claim_name(kind: str, channel: str, ts: str) -> str:
    """The name of claim `kind` on the answer in placeholder `ts` (for `mathbot.claims`)."""
    return f"slack:{kind}:{channel}:{ts}"


def _key(kind: str, channel: str, ts: str) -> str:
    return f"{keys.SLACK}{kind}:{channel}:{ts}"


def save_reasoning(connection: redis.Redis, channel: str, ts: str, record: dict[str, Any], ttl: int) -> None:
    """Keep an answer's reasoning (and what the file needs) for its "Show reasoning" button.

    Compressed: a 10K-token chain of thought is ~40 KB of text and ~10-15 KB stored.
    """
    connection.set(_key("reasoning", channel, ts), zlib.compress(json.dumps(record).encode()), ex=ttl)


def load_reasoning(connection: redis.Redis, channel: str, ts: str) -> dict[str, Any] | None:
    raw = connection.get(_key("reasoning", channel, ts))
    return json.loads(zlib.decompress(raw)) if isinstance(raw, bytes) else None
