"""The fake Slack Web API, plus what the study features call, recorded as Slack does it:

- `views.open`: a modal opened with a trigger id (Slack checks the title's 24 characters, the blocks);
  `views` lists them. The test then sends the `view_submission` Slack would (`signed_view_submission`).
- `chat.postEphemeral`: a message only `user` sees, in a channel or thread; never stored with the
  channel's messages (`public_text` is what everyone in a channel sees).
- `users.info`: `is_admin` / `is_owner` for the users in `admins` / `owners`.
- `conversations.open`: the bot's direct message with a user (`D<user>`).

A subclass, so it stays out of the way of the fake's own file; its requests come in the shapes
`tests.slack.signing` makes.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from tests.slack.fake_slack import TEAM, Call, FakeSlack, _invalid_message

MODAL_TITLE_LIMIT = 24
"""Characters of a modal's title (Slack refuses a longer one)."""

MODAL_BLOCK_LIMIT = 100


class StudySlack(FakeSlack):
    def __init__(self) -> None:
        super().__init__()
        self.admins: set[str] = set()
        self.owners: set[str] = set()
        self.views: list[dict[str, Any]] = []
        """Modals opened (views.open), oldest first."""

    def _answer(self, method: str, args: dict[str, Any], host: str, token: str | None) -> dict[str, Any]:
        if method == "views.open":
            view = args.get("view")
            if isinstance(view, str):
                view = json.loads(view)
            if not args.get("trigger_id") or not isinstance(view, dict) or view.get("type") != "modal":
                return {"ok": False, "error": "invalid_arguments"}
            if (
                len(view["title"]["text"]) > MODAL_TITLE_LIMIT
                or len(view.get("blocks") or []) > MODAL_BLOCK_LIMIT
            ):
                return {"ok": False, "error": "invalid_arguments"}
            stored = {**view, "id": "V" + uuid.uuid4().hex[:10].upper(), "team_id": TEAM}
            self.views.append(stored)
            return {"ok": True, "view": stored}
        if method == "chat.postEphemeral":
            problem = _invalid_message(args)
            if problem or not args.get("user") or not args.get("channel"):
                return {"ok": False, "error": problem or "user_not_in_channel"}
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(args.get("users", "")).split(",")[0]}}
        answer = super()._answer(method, args, host, token)
        if method == "users.info" and answer.get("ok"):
            user = args.get("user", "")
            answer["user"].update(is_admin=user in self.admins, is_owner=user in self.owners)
        return answer

    # What tests read ------------------------------------------------------------------------

    def ephemerals(self, user: str | None = None) -> list[Call]:
        """Ephemeral messages mathbot showed (to `user`)."""
        return [
            c
            for c in self.calls_to("chat.postEphemeral")
            if c.response.get("ok") and (user is None or c.args.get("user") == user)
        ]

    def public_text(self, channel: str) -> str:
        """Everything anyone in the channel (and its threads) can read of mathbot's messages now."""
        with self._lock:
            shown = [m for (c, _), m in self.messages.items() if c == channel]
        return json.dumps(
            [{"text": m.get("text"), "blocks": m.get("blocks")} for m in shown], ensure_ascii=False
        )


def text_of(call: Call) -> str:
    """A message call's text and blocks, as one string."""
    return json.dumps({"text": call.args.get("text"), "blocks": call.args.get("blocks")}, ensure_ascii=False)


def buttons(call: Call) -> dict[str, str]:
    """action id → value of a message's buttons."""
    rows = [b for b in call.args.get("blocks") or [] if b["type"] == "actions"]
    return {e["action_id"]: e.get("value", "") for row in rows for e in row["elements"]}


def command(name: str, text: str, channel: str, user: str, response_url: str) -> str:
    """A slash command as Slack posts it, form-encoded."""
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "channel_id": channel,
            "channel_name": "maths",
            "user_id": user,
            "user_name": user.lower(),
            "command": name,
            "text": text,
            "api_app_id": "A0MATHBOT",
            "response_url": response_url,
            "trigger_id": f"trigger.{uuid.uuid4().hex[:8]}",
        }
    )


def view_submission(view: dict[str, Any], user: str, values: dict[str, str]) -> str:
    """The `view_submission` Slack sends when `user` submits the modal `view` with `values` (block id →
    typed text), form-encoded."""
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
        "trigger_id": f"trigger.{uuid.uuid4().hex[:8]}",
        "view": {**view, "state": {"values": state}, "hash": str(time.time())},
        "response_urls": [],
    }
    return urlencode({"payload": json.dumps(payload)})


def click(
    action_id: str,
    value: str,
    channel: str,
    user: str,
    message_ts: str,
    thread_ts: str | None,
    *,
    ephemeral: bool = False,
) -> str:
    """A block_actions payload for a button on a message (an ephemeral one has no `message`)."""
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel,
        "is_ephemeral": ephemeral,
    }
    if thread_ts:
        container["thread_ts"] = thread_ts
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user, "username": user.lower(), "name": user.lower()},
        "api_app_id": "A0MATHBOT",
        "container": container,
        "channel": {"id": channel},
        "response_url": "http://127.0.0.1:9/actions/response",
        "trigger_id": f"trigger.{uuid.uuid4().hex[:8]}",
        "actions": [
            {"type": "button", "action_id": action_id, "value": value, "action_ts": str(time.time())}
        ],
    }
    if not ephemeral:
        payload["message"] = {"ts": message_ts, **({"thread_ts": thread_ts} if thread_ts else {})}
    return urlencode({"payload": json.dumps(payload)})
