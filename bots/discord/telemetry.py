"""Discord REST calls counted for the metrics: the worker's (`rest.RestClient`) and the adapter's
(discord.py's aiohttp session, through a trace config), labelled by route with ids and tokens taken out."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import aiohttp

from mathbot import metrics

_API_PREFIX = re.compile(r"^/api(?:/v\d+)?(?=/)")
_TOKEN = re.compile(r"(/(?:webhooks|interactions)/\{id\}/)[^/]+")
_ID = re.compile(r"/\d{5,}(?=/|$)")


def route(method: str, path: str) -> str:
    """`POST /channels/{id}/messages`: the method and the path without the API prefix, snowflakes or
    tokens (an interaction's token is a credential, and ids would make a label per message)."""
    path = _API_PREFIX.sub("", path.split("?", 1)[0])
    path = _TOKEN.sub(r"\1{token}", _ID.sub("/{id}", path))
    return f"{method.upper()} {path}"


def record(method: str, path: str, status: int | None) -> None:
    """One Discord REST request (`status` None: no response)."""
    metrics.chat_call("discord", route(method, path), status)


def http_trace() -> aiohttp.TraceConfig:
    """For `discord.Client(http_trace=...)`: every request of the adapter's session, 429s included
    (discord.py waits them out and tries again, each try a request)."""
    trace = aiohttp.TraceConfig()

    async def ended(session: aiohttp.ClientSession, context: SimpleNamespace, params: Any) -> None:
        record(params.method, params.url.path, params.response.status)

    async def failed(session: aiohttp.ClientSession, context: SimpleNamespace, params: Any) -> None:
        record(params.method, params.url.path, None)

    trace.on_request_end.append(ended)
    trace.on_request_exception.append(failed)
    return trace
