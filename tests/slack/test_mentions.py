"""Nothing mathbot sends can ping: a /solve question full of broadcasts and mentions, answered by a model
whose answer is made of them too, leaves no live mention token in any message, edit or upload."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bots.slack import blocks
from tests.fakes.slack import Call, FakeSlack, signing
from tests.slack import flows
from tests.support import sim as simulator
from tests.support.processes import wait_for
from tests.support.servers import ThreadedApp
from tests.support.sim import Sim

CHANNEL = "C0MATHS01"
ADA = "U0ADA001"

TOKENS = "<!channel> <!here> <!everyone> <@U123> <!subteam^S1> @channel <!here|here> <@W42|bob> @everyone"
"""Every way a Slack message can ping: broadcasts, a user, a user group, and the plain-text forms."""

PROBLEM = "How many people does one broadcast in a Slack channel with 57 members reach at most"
"""What the simulator recognises (by containment, whatever the mentions around it became)."""

LIVE = re.compile(r"<[!@#]|(?<![\w@])@(?:channel|here|everyone)\b", re.IGNORECASE)
"""A live Slack control sequence (`<!channel>`, `<@U…>`, `<!subteam^…>`, `<#C…>`) or plain broadcast."""

SENDS = (
    "chat.postMessage",
    "chat.update",
    "chat.postEphemeral",
    "files.getUploadURLExternal",
    "files.completeUploadExternal",
    "response_url",
)
"""Every recorded call that puts words in front of people."""


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Sim]:
    """The simulator with one known problem whose official answer is a string of mentions."""
    data = tmp_path / "sim-data"
    data.mkdir()
    row = {"id": 1, "problem": PROBLEM, "answer": TOKENS}
    (data / "pings.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    app = simulator.start(tokens_per_second=2000.0, reasoning_tokens=300, data_dir=str(data))
    yield app
    app.stop()


def live_tokens(call: Call) -> list[str]:
    """The live mention tokens anywhere in a call's arguments (text, blocks, titles, comments)."""
    return [m.group(0) for m in LIVE.finditer(json.dumps(call.args, ensure_ascii=False))]


def reasoning_uploaded(fake: FakeSlack) -> bool:
    """Whether "Show reasoning" has uploaded its file."""
    uploads = fake.calls_to("files.completeUploadExternal")
    return any(f.get("title") == "Reasoning" for c in uploads for f in c.args.get("files") or [])


def test_mentions_in_question_and_answer_never_ping(
    fake_slack: FakeSlack, slack_app: ThreadedApp, worker: object
) -> None:
    question = f"{TOKENS} {PROBLEM}? Tell {TOKENS}"
    body = signing.command(question, CHANNEL, ADA, fake_slack.url + "/response/command")
    assert signing.post(slack_app.url, body, signing.FORM).status_code == 200

    root = wait_for(lambda: fake_slack.roots(CHANNEL), 10, message="the /solve root message")[0]
    root_ts = root.response["ts"]
    placeholder = flows.placeholder(fake_slack, CHANNEL, root_ts)
    answer = flows.final(fake_slack, placeholder)
    headline = flows.headline(answer)
    assert "channel" in headline and "here" in headline, headline  # the model's answer is shown, defused

    body = signing.action(
        blocks.REASONING_ACTION,
        blocks.action_value(CHANNEL, placeholder),
        CHANNEL,
        ADA,
        placeholder,
        root_ts,
    )
    assert signing.post(slack_app.url, body, signing.FORM).status_code == 200
    wait_for(lambda: reasoning_uploaded(fake_slack), 10, message="the reasoning file")

    sent = fake_slack.calls_to(*SENDS)
    assert len(sent) >= 5  # root, placeholder, progress, answer, upload
    live = {(c.method, token) for c in sent for token in live_tokens(c)}
    assert not live, f"live mentions sent to Slack: {sorted(live)}"
    assert "asked (via `/solve`)" in root.args["text"] and "57 members" in root.args["text"]
    assert "@\u200bchannel" in root.args["text"]  # the broadcast is shown as words, not a ping
    assert "&lt;!channel&gt;" in answer.args["text"] and "‹!subteam^S" in headline  # shown, defused
