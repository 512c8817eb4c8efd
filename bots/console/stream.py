"""The console's channel between worker and terminal: a Redis stream of JSON events per question."""

from __future__ import annotations

import json
from typing import Any

import redis

from mathbot import defaults, keys

STREAM_PREFIX = keys.CONSOLE


def stream_key(channel: str) -> str:
    return STREAM_PREFIX + channel


def publish(connection: redis.Redis, channel: str, kind: str, body: dict[str, Any]) -> None:
    """Append one event; the stream expires a day after its last event."""
    key = stream_key(channel)
    with connection.pipeline() as pipe:
        pipe.xadd(key, {"kind": kind, "body": json.dumps(body)}, maxlen=1000)
        pipe.expire(key, defaults.CONSOLE_EVENT_TTL)
        pipe.execute()


def read(
    connection: redis.Redis, channel: str, after: str, block_ms: int
) -> list[tuple[str, str, dict[str, Any]]]:
    """Events after id `after` ("0" for all), waiting up to `block_ms`: [(id, kind, body)]."""
    found: Any = connection.xread({stream_key(channel): after}, block=block_ms, count=100)
    events = []
    for _key, entries in found or []:
        for event_id, fields in entries:
            eid = event_id.decode() if isinstance(event_id, bytes) else event_id
            kind = fields[b"kind"].decode()
            events.append((eid, kind, json.loads(fields[b"body"])))
    return events
