"""The door of POST /slack/events: a request's signature and shape checked before Bolt sees it.

Bolt answers a malformed body with an exception (HTTP 500 and a traceback in the log) and logs an
unsigned one whole; here the signature is checked over the raw bytes first (Slack signs the bytes, so
a non-UTF-8 body can be signed too), then the body is parsed the way Bolt will parse it. What fails
gets 401 (not from Slack) or 400 (from Slack but unreadable) and one short reason for the log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

SIGNATURE_WINDOW = 5 * 60
"""Seconds a request's timestamp may differ from now (Slack's own rule; older requests are replays)."""

MAX_DEPTH = 64
"""Deepest nesting of a JSON body accepted: Slack's payloads (blocks in messages included) stay far
below, and Bolt's own parse of the same body must never come near Python's recursion limit."""


UNSIGNED = 401
"""The status of a request that is not signed with the app's signing secret (not from Slack)."""


@dataclass(frozen=True)
class Rejection:
    """Why a request is refused: the HTTP status and a short reason for the log (never body text)."""

    status: int
    reason: str


def check(body: bytes, headers: Mapping[str, str], secret: str, now: float | None = None) -> Rejection | None:
    """None when `body` is signed with `secret` and readable as Bolt will read it; else why not."""
    if not _signed(body, headers, secret, time.time() if now is None else now):
        return Rejection(UNSIGNED, "bad or missing signature")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Rejection(400, "body is not UTF-8")
    content_type = headers.get("Content-Type", "").split(";")[0].strip().lower()
    try:
        parsed = _parse(text, content_type)
    except RecursionError:
        return Rejection(400, "JSON nested too deeply")
    except UnicodeDecodeError:  # a percent-encoded form field
        return Rejection(400, "body is not UTF-8")
    except ValueError:
        return Rejection(400, "malformed JSON")
    if not isinstance(parsed, dict):
        return Rejection(400, "JSON body is not an object")
    if _depth(parsed, MAX_DEPTH) > MAX_DEPTH:
        return Rejection(400, "JSON nested too deeply")
    return None


def _signed(body: bytes, headers: Mapping[str, str], secret: str, now: float) -> bool:
    """Slack's v0 scheme: HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret."""
    timestamp, signature = headers.get("X-Slack-Request-Timestamp", ""), headers.get("X-Slack-Signature", "")
    if not secret or not timestamp.isdigit() or abs(now - int(timestamp)) > SIGNATURE_WINDOW:
        return False
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256)
    return hmac.compare_digest("v0=" + digest.hexdigest(), signature)


def _parse(text: str, content_type: str) -> Any:
    """The body as Bolt's `parse_body` reads it: JSON, or a form whose `payload` field is JSON."""
    if not text:
        return {}
    if content_type == "application/json" or text.startswith("{"):
        return json.loads(text)
    if "payload" in text:
        payload = dict(parse_qsl(text, keep_blank_values=True, errors="strict")).get("payload")
        return {} if payload is None else json.loads(payload)
    return dict(parse_qsl(text, keep_blank_values=True, errors="strict"))


def _depth(value: Any, limit: int, level: int = 1) -> int:
    """How deep `value` nests, counting no further than `limit` + 1."""
    if level > limit or not isinstance(value, dict | list):
        return level
    children = value.values() if isinstance(value, dict) else value
    return max((_depth(child, limit, level + 1) for child in children), default=level)
