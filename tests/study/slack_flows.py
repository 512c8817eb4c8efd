"""Slack study flows as a person does them: a slash command, a form filled in, a button clicked."""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.slack import Call, FakeSlack, signing
from tests.support.processes import wait_for
from tests.support.servers import ThreadedApp

CHANNEL = "C0MATHS01"
ADA, BOB = "U0ADA001", "U0BOB002"


def slash(
    app: ThreadedApp, fake: FakeSlack, name: str, text: str, user: str = ADA, channel: str = CHANNEL
) -> None:
    body = signing.command(text, channel, user, fake.url + "/response/command", user.lower(), name=name)
    response = signing.post(app.url, body, signing.FORM)
    assert response.status_code == 200, response.text


def opened_view(fake: FakeSlack, count: int = 1) -> dict[str, Any]:
    """The `count`-th modal mathbot opened (waiting for it)."""
    return wait_for(lambda: fake.views[count - 1] if len(fake.views) >= count else None, 10, message="a form")  # type: ignore[no-any-return]


def submit(app: ThreadedApp, view: dict[str, Any], user: str, values: dict[str, str]) -> dict[str, Any]:
    """Submit a modal; the body of Slack's 200 (empty: the modal closes)."""
    response = signing.post(app.url, signing.view_submission(view, user, values), signing.FORM)
    assert response.status_code == 200, response.text
    return json.loads(response.text) if response.text.strip() else {}


def press(
    app: ThreadedApp,
    action_id: str,
    value: str,
    user: str,
    message_ts: str,
    thread_ts: str | None = None,
    *,
    ephemeral: bool = False,
    channel: str = CHANNEL,
) -> None:
    body = signing.study_action(action_id, value, channel, user, message_ts, thread_ts, ephemeral=ephemeral)
    assert signing.post(app.url, body, signing.FORM).status_code == 200


def ephemeral(fake: FakeSlack, user: str, count: int, timeout: float = 30) -> Any:
    """The `count`-th ephemeral message `user` got (waiting for it)."""
    found = wait_for(
        lambda: fake.ephemerals(user)[count - 1] if len(fake.ephemerals(user)) >= count else None,
        timeout,
        message=f"ephemeral #{count} for {user}",
    )
    return found


def responses(fake: FakeSlack) -> list[dict[str, Any]]:
    """What slash commands answered through their response_url."""
    return [c.args for c in fake.calls_to("response_url")]


def text_of(call: Call) -> str:
    """A message call's text and blocks, as one string."""
    return json.dumps({"text": call.args.get("text"), "blocks": call.args.get("blocks")}, ensure_ascii=False)


def buttons(call: Call) -> dict[str, str]:
    """action id → value of a message's buttons."""
    rows = [b for b in call.args.get("blocks") or [] if b["type"] == "actions"]
    return {e["action_id"]: e.get("value", "") for row in rows for e in row["elements"]}
