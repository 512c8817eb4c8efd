""" "Try again" and "Check with N samples" are the asker's, as on Discord: anyone else who presses them
is told so privately (an ephemeral note), nothing is asked, and the asker's own click still works."""

from __future__ import annotations

from pathlib import Path

import redis

from bots.slack import blocks, texts
from tests.fakes.slack import BOT_USER, FakeSlack, signing
from tests.slack import flows
from tests.slack.flows import workers
from tests.support.data import aime
from tests.support.processes import wait_for
from tests.support.servers import ThreadedApp, free_port

CHANNEL = "C0MATHS01"
ADA, BOB = "U0ADA001", "U0BOB002"


def ask(app: ThreadedApp, text: str, ts: str) -> None:
    event = {
        "type": "app_mention",
        "channel": CHANNEL,
        "user": ADA,
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
    }
    assert signing.post(app.url, signing.event(event), signing.JSON).status_code == 200


def click(app: ThreadedApp, action_id: str, user: str, message_ts: str, thread: str) -> None:
    value = blocks.action_value(CHANNEL, message_ts)
    body = signing.action(action_id, value, CHANNEL, user, message_ts, thread)
    assert signing.post(app.url, body, signing.FORM).status_code == 200


def notes_to(fake: FakeSlack, user: str) -> list[str]:
    return [c.args["text"] for c in fake.calls_to("chat.postEphemeral") if c.args.get("user") == user]


def test_only_the_asker_can_check_an_answer_with_more_samples(
    fake_slack: FakeSlack,
    slack_app: ThreadedApp,
    env: dict[str, str],
    tmp_path: Path,
    redis_conn: redis.Redis,
) -> None:
    ts = "1699999999.110000"
    with workers(env, tmp_path):
        ask(slack_app, aime(1)["problem"], ts)
        first = flows.placeholder(fake_slack, CHANNEL, ts)
        assert flows.headline(flows.final(fake_slack, first)) == "Final answer: 70"

        click(slack_app, blocks.VOTE_ACTION, BOB, first, ts)
        assert wait_for(lambda: notes_to(fake_slack, BOB), 10, message="the note to Bob") == [
            texts.VOTE_NOT_YOURS
        ]
        assert [c.response["ts"] for c in fake_slack.posted(CHANNEL, ts)] == [first], "Bob asked nothing"
        assert len(redis_conn.keys("rq:job:*")) == 1

        click(slack_app, blocks.VOTE_ACTION, ADA, first, ts)  # Bob's click took nothing from Ada's
        second = wait_for(
            lambda: [c.response["ts"] for c in fake_slack.posted(CHANNEL, ts) if c.response["ts"] != first],
            10,
            message="Ada's check",
        )[0]
        assert flows.headline(flows.final(fake_slack, second)).startswith("Final answer: 70")
    assert notes_to(fake_slack, ADA) == []


def test_only_the_asker_can_try_again(
    fake_slack: FakeSlack,
    slack_app: ThreadedApp,
    env: dict[str, str],
    tmp_path: Path,
    redis_conn: redis.Redis,
) -> None:
    ts = "1699999999.120000"
    closed = f"http://127.0.0.1:{free_port()}"
    with workers(env, tmp_path, TGI_URL=closed, MATHBOT_SERVER_RETRIES="0"):
        ask(slack_app, aime(1)["problem"], ts)
        first = flows.placeholder(fake_slack, CHANNEL, ts)
        error = flows.final(fake_slack, first)
        assert error.args["blocks"][-1]["elements"][0]["action_id"] == blocks.RETRY_ACTION

        click(slack_app, blocks.RETRY_ACTION, BOB, first, ts)
        assert wait_for(lambda: notes_to(fake_slack, BOB), 10, message="the note to Bob") == [
            texts.RETRY_NOT_YOURS
        ]
        assert [c.response["ts"] for c in fake_slack.posted(CHANNEL, ts)] == [first], "Bob asked nothing"
        assert len(redis_conn.keys("rq:job:*")) == 1

        click(slack_app, blocks.RETRY_ACTION, ADA, first, ts)
        wait_for(
            lambda: [c for c in fake_slack.posted(CHANNEL, ts) if c.response["ts"] != first],
            10,
            message="Ada's retry",
        )
    assert notes_to(fake_slack, ADA) == []
