"""Slack study flows as a person does them: a slash command, a form filled in, a button clicked."""

from __future__ import annotations

import json
from typing import Any

from tests.slack import signing
from tests.study import fake_slack_study as fakes
from tests.study.fake_slack_study import StudySlack
from tests.support.processes import wait_for
from tests.support.servers import ThreadedApp

CHANNEL = "C0MATHS01"
ADA, BOB = "U0ADA001", "U0BOB002"


def slash(
    app: ThreadedApp, fake: StudySlack, name: str, text: str, user: str = ADA, channel: str = CHANNEL
) -> None:
    body = fakes.command(name, text, channel, user, fake.url + "/response/command")
    response = signing.post(app.url, body, signing.FORM)
    assert response.status_code == 200, response.text


def opened_view(fake: StudySlack, count: int = 1) -> dict[str, Any]:
    """The `count`-th modal mathbot opened (waiting for it)."""
    return wait_for(lambda: fake.views[count - 1] if len(fake.views) >= count else None, 10, message="a form")  # type: ignore[no-any-return]


def submit(app: ThreadedApp, view: dict[str, Any], user: str, values: dict[str, str]) -> dict[str, Any]:
    """Submit a modal; the body of Slack's 200 (empty: the modal closes)."""
    response = signing.post(app.url, fakes.view_submission(view, user, values), signing.FORM)
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
    body = fakes.click(action_id, value, channel, user, message_ts, thread_ts, ephemeral=ephemeral)
    assert signing.post(app.url, body, signing.FORM).status_code == 200


def ephemeral(fake: StudySlack, user: str, count: int, timeout: float = 30) -> Any:
    """The `count`-th ephemeral message `user` got (waiting for it)."""
    found = wait_for(
        lambda: fake.ephemerals(user)[count - 1] if len(fake.ephemerals(user)) >= count else None,
        timeout,
        message=f"ephemeral #{count} for {user}",
    )
    return found


def responses(fake: StudySlack) -> list[dict[str, Any]]:
    """What slash commands answered through their response_url."""
    return [c.args for c in fake.calls_to("response_url")]
