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


def command(
    text: str, channel: str, user: str, response_url: str, user_name: str = "ada", *, name: str = "/solve"
) -> str:
    """A slash command (/solve unless `name` says otherwise), form-encoded."""
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "channel_id": channel,
            "channel_name": "maths",
            "user_id": user,
            "user_name": user_name,
            "command": name,
            "text": text,
            "api_app_id": "A0MATHBOT",
            "response_url": response_url,
            "trigger_id": f"1.2.{uuid.uuid4().hex[:8]}",
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


def study_action(
    action_id: str,
    value: str,
    channel: str,
    user: str,
    message_ts: str,
    thread_ts: str | None,
    *,
    ephemeral: bool,
) -> str:
    """A block_actions payload for a button on a message; on an ephemeral message Slack sends no
    `message`, only the container."""
    container: dict[str, Any] = {"type": "message", "message_ts": message_ts, "channel_id": channel}
    container.update(is_ephemeral=ephemeral, **({"thread_ts": thread_ts} if thread_ts else {}))
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user, "username": user.lower(), "name": user.lower()},
        "api_app_id": "A0MATHBOT",
        "container": container,
        "channel": {"id": channel},
        "response_url": "http://127.0.0.1:9/actions/response",
        "trigger_id": f"1.2.{uuid.uuid4().hex[:8]}",
        "actions": [
            {"type": "button", "action_id": action_id, "value": value, "action_ts": str(time.time())}
        ],
    }
    if not ephemeral:
        payload["message"] = {"ts": message_ts, **({"thread_ts": thread_ts} if thread_ts else {})}
    return urlencode({"payload": json.dumps(payload)})


def view_submission(view: dict[str, Any], user: str, values: dict[str, str]) -> str:
    """The `view_submission` Slack sends when `user` submits the modal `view` (as `views.open` got it)
    with `values` (input block id → typed text), form-encoded."""
    state = {
        block["block_id"]: {
            block["element"]["action_id"]: {"type": "plain_text_input", "value": values[block["block_id"]]}
        }
        for block in view["blocks"]
        if block["type"] == "input" and block["block_id"] in values
    }
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "fake"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "A0MATHBOT",
        "token": "legacy-verification-token",
        "trigger_id": f"1.2.{uuid.uuid4().hex[:8]}",
        "view": {**view, "state": {"values": state}, "hash": str(time.time())},
        "response_urls": [],
    }
    return urlencode({"payload": json.dumps(payload)})


JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
