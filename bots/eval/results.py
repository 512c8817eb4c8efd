"""The channel from workers to `mathbot eval`: a Redis stream of finished samples per evaluation run."""

from __future__ import annotations

import json
from typing import Any

import redis

from mathbot import keys


def stream_key(run: str) -> str:
    return keys.EVAL + run


def publish(connection: redis.Redis, run: str, body: dict[str, Any], ttl: int) -> None:
    """Append one finished sample; the stream lives `ttl` seconds after its last one (never trimmed:
    a run that was interrupted reads every result it missed when it resumes)."""
    key = stream_key(run)
    with connection.pipeline() as pipe:
        pipe.xadd(key, {"body": json.dumps(body)})
        pipe.expire(key, ttl)
        pipe.execute()


def read(
    connection: redis.Redis, run: str, after: str, *, block_ms: int | None, count: int = 500
) -> list[tuple[str, dict[str, Any]]]:
    """Finished samples after stream id `after` ("0": from the start), waiting up to `block_ms` for one
    (None: not at all): [(id, body)]."""
    found: Any = connection.xread({stream_key(run): after}, block=block_ms, count=count)
    events = []
    for _key, entries in found or []:
        for event_id, fields in entries:
            eid = event_id.decode() if isinstance(event_id, bytes) else event_id
            events.append((eid, json.loads(fields[b"body"])))
    return events


def drop(connection: redis.Redis, run: str) -> None:
    """Delete the stream of a run that has stored every sample."""
    connection.delete(stream_key(run))
