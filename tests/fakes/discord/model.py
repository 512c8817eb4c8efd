"""The fake Discord's data: ids, users, the REST calls it records, and JSON answered as Discord answers."""

from __future__ import annotations

import itertools
import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

API_PREFIX = "/api/v10"
TOKEN = "fake-bot-token-0123456789"

_ids = itertools.count(1_300_000_000_000_000_000)


def snowflake() -> int:
    return next(_ids)


BOT_ID = snowflake()
GUILD_ID = snowflake()
CHANNEL_ID = snowflake()
ALICE_ID = snowflake()
BOB_ID = snowflake()
OTHER_BOT_ID = snowflake()
COMMAND_ID = snowflake()
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)
"""GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT."""

CALLBACK_DEADLINE = 3.0
"""Seconds Discord accepts an interaction's first response."""
THREAD_TYPES = (10, 11, 12)
"""Announcement, public and private thread channel types."""


def user(uid: int, name: str, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(uid),
        "username": name,
        "global_name": name.capitalize(),
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


BOT = user(BOT_ID, "mathbot", bot=True)
ALICE = user(ALICE_ID, "alice")
BOB = user(BOB_ID, "bob")
OTHER_BOT = user(OTHER_BOT_ID, "otherbot", bot=True)


def now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Call:
    """One REST request mathbot made."""

    method: str
    path: str
    """Without the /api/v10 prefix, e.g. /channels/123/messages."""
    json: dict[str, Any] | list[Any] | None
    files: list[tuple[str, bytes]] = field(default_factory=list)
    query: dict[str, str] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)


@dataclass
class RateLimit:
    method: str
    path: re.Pattern[str]
    retry_after: float
    count: int
    is_global: bool = False


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON with `Content-Type: application/json` exactly (aiohttp's json_response adds a charset)."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


async def read_body(request: web.Request) -> tuple[Any, list[tuple[str, bytes]]]:
    if not request.can_read_body:
        return None, []
    if request.content_type.startswith("multipart/"):
        payload, files = None, []
        reader = await request.multipart()
        async for part in reader:
            data = await part.read()  # type: ignore[union-attr]
            if part.name == "payload_json":  # type: ignore[union-attr]
                payload = json.loads(data)
            else:
                files.append((part.filename or part.name or "", bytes(data)))  # type: ignore[union-attr]
        return payload, files
    raw = await request.read()
    return (json.loads(raw) if raw else None), []


def attachments(files: list[tuple[str, bytes]]) -> list[dict[str, Any]]:
    return [
        {
            "id": str(snowflake()),
            "filename": name,
            "size": len(data),
            "url": f"https://cdn.example/{name}",
            "proxy_url": f"https://cdn.example/{name}",
        }
        for name, data in files
    ]
