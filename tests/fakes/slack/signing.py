"""Requests as Slack sends them: signed bodies for events, slash commands and button clicks."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack.web_api import TEAM

__all__ = ["FORM", "JSON", "SIGNING_SECRET", "action", "command", "event", "headers", "post"]

SIGNING_SECRET = "fake-signing-secret-5678"


def headers(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """X-Slack-Signature and X-Slack-Request-Timestamp, made by slack_sdk's own verifier."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


def post(
    url: str,
    body: str,
    content_type: str,
    *,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
    retry_num: int | None = None,
) -> httpx.Response:
    """POST a body to the app's /slack/events the way Slack does."""
    extra = headers(body, secret, timestamp)
    if retry_num is not None:
        extra.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"})
    return httpx.post(
        url + "/slack/events", content=body, headers={"Content-Type": content_type, **extra}, timeout=10
    )


def event(event: dict[str, Any], event_id: str | None = None) -> str:
    """An Events API envelope around `event`."""
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "api_app_id": "A0MATHBOT",
            "event": {"team": TEAM, **event},
            "type": "event_callback",
            "event_id": event_id or "Ev" + uuid.uuid4().hex[:10].upper(),
            "event_time": int(time.time()),
        }
    )


def command(text: str, channel: str, user: str, response_url: str, user_name: str = "ada") -> str:
    """A /solve slash command, form-encoded."""
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "channel_id": channel,
            "channel_name": "maths",
            "user_id": user,
            "user_name": user_name,
            "command": "/solve",
            "text": text,
            "api_app_id": "A0MATHBOT",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    )


def action(action_id: str, value: str, channel: str, user: str, message_ts: str, thread_ts: str) -> str:
    """A block_actions payload for a button click on message `message_ts`."""
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user},
        "api_app_id": "A0MATHBOT",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
        "channel": {"id": channel},
        "message": {"ts": message_ts, "thread_ts": thread_ts},
        "response_url": "http://127.0.0.1:9/actions/response",
        "trigger_id": "1.2.4",
        "actions": [
            {"type": "button", "action_id": action_id, "value": value, "action_ts": str(time.time())}
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
