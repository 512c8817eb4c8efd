"""End to end: signed Slack requests → the adapter (Bolt over aiohttp) → Redis/RQ → a worker process →
the TGI simulator → answers in the right thread of a fake Slack Web API."""

from __future__ import annotations

import json
import time

import httpx
import redis

from bots.slack import blocks, texts
from mathbot import defaults, keys, messages, questions, threads
from tests.fakes.slack import BOT_USER, TEAM, Call, FakeSlack, signing
from tests.slack import flows
from tests.support.data import aime
from tests.support.processes import wait_for
from tests.support.servers import ThreadedApp
from tests.support.sim import Sim
from tests.support.waiting import assert_quiet

CHANNEL = "C0MATHS01"
ADA = "U0ADA001"


def mention(text: str, ts: str, **extra: object) -> dict[str, object]:
    return {
        "type": "app_mention",
        "channel": CHANNEL,
        "user": ADA,
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
        **extra,
    }


def queued_jobs(redis_conn: redis.Redis) -> int:
    return len(redis_conn.keys("rq:job:*"))


def test_mention_gets_exactly_one_answer_in_its_thread(
    fake_slack: FakeSlack, slack_app: ThreadedApp, worker: object, redis_conn: redis.Redis
) -> None:
    problem = aime(1)
    response = signing.post(
        slack_app.url, signing.event(mention(problem["problem"], "1699999999.000100")), signing.JSON
    )
    assert response.status_code == 200

    ts = flows.placeholder(fake_slack, CHANNEL, "1699999999.000100")
    answer = flows.final(fake_slack, ts)
    assert flows.headline(answer) == "Final answer: 70"
    assert_quiet(  # anything late (a second answer) would show up now
        lambda: (
            len(fake_slack.calls_to("chat.postMessage")),
            [c for c in fake_slack.updates(ts) if flows.is_final(c)],
        ),
        0.5,
    )
    in_thread = fake_slack.posted(CHANNEL, "1699999999.000100")
    assert [c.args["text"] for c in in_thread] == [messages.queued(1)]
    assert all(
        c.args.get("thread_ts") == "1699999999.000100" for c in fake_slack.calls_to("chat.postMessage")
    )
    assert [c for c in fake_slack.updates(ts) if flows.is_final(c)] == [answer]
    assert queued_jobs(redis_conn) == 1


def test_placeholder_is_posted_queued_and_the_adapter_never_edits_it(
    fake_slack: FakeSlack, slack_app: ThreadedApp, redis_conn: redis.Redis
) -> None:
    """The queue position and the Cancel button come with the placeholder itself: chat.update is Slack's
    Tier 3 (~50 a minute for the whole workspace), so the adapter spends none of it on a question."""
    for n, ts in enumerate(("1699999999.000110", "1699999999.000120"), start=1):
        signing.post(slack_app.url, signing.event(mention(f"What is {n} + {n}?", ts)), signing.JSON)
        post = wait_for(lambda ts=ts: fake_slack.posted(CHANNEL, ts), 10, message="the placeholder")[0]
        assert post.args["text"] == messages.queued(n)  # no worker runs: the second waits behind the first
        [button] = post.args["blocks"][-1]["elements"]
        assert button["action_id"] == blocks.CANCEL_ACTION
    assert_quiet(lambda: (queued_jobs(redis_conn), len(fake_slack.calls_to("chat.update"))), 0.5)
    assert queued_jobs(redis_conn) == 2
    assert not fake_slack.calls_to("chat.update")


def test_solve_acks_fast_posts_a_root_message_and_answers_in_its_thread(
    fake_slack: FakeSlack, slack_app: ThreadedApp, worker: object
) -> None:
    problem = aime(1)["problem"]
    body = signing.command(problem, CHANNEL, ADA, fake_slack.url + "/response/command")
    started = time.monotonic()
    response = signing.post(slack_app.url, body, signing.FORM)
    assert response.status_code == 200 and time.monotonic() - started < 3

    roots = wait_for(lambda: fake_slack.roots(CHANNEL), 10, message="the root message")
    root = roots[0]
    assert root.args.get("thread_ts") is None
    assert root.args["text"].startswith(texts.asked_via_solve("Ada"))  # a name from users.info, no ping
    assert "> Find the sum of all integer bases" in root.args["text"]
    assert "<@" not in root.args["text"]
    root_ts = root.response["ts"]
    answer = flows.final(fake_slack, flows.placeholder(fake_slack, CHANNEL, root_ts))
    assert flows.headline(answer) == "Final answer: 70"


def test_solve_without_text_shows_usage_privately(
    fake_slack: FakeSlack, slack_app: ThreadedApp, redis_conn: redis.Redis
) -> None:
    body = signing.command("   ", CHANNEL, ADA, fake_slack.url + "/response/command")
    response = signing.post(slack_app.url, body, signing.FORM)
    assert response.status_code == 200
    assert response.json() == {"text": texts.USAGE, "response_type": "ephemeral"}
    assert_quiet(lambda: not fake_slack.calls_to("chat.postMessage") and queued_jobs(redis_conn) == 0, 0.3)


def test_solve_where_mathbot_cannot_post_says_so_privately(
    fake_slack: FakeSlack, slack_app: ThreadedApp, redis_conn: redis.Redis
) -> None:
    fake_slack.errors["chat.postMessage"] = "not_in_channel"
    body = signing.command("What is 1 + 1?", CHANNEL, ADA, fake_slack.url + "/response/command")
    assert signing.post(slack_app.url, body, signing.FORM).status_code == 200
    response = wait_for(lambda: fake_slack.calls_to("response_url"), 10, message="the private notice")[0]
    assert response.args == {"text": texts.NOT_IN_CHANNEL, "response_type": "ephemeral"}
    assert queued_jobs(redis_conn) == 0


def test_follow_up_in_the_thread_carries_the_history(
    fake_slack: FakeSlack, slack_app: ThreadedApp, worker: object, sim: Sim, redis_conn: redis.Redis
) -> None:
    problem = aime(1)["problem"]
    thread = "1699999999.000200"
    signing.post(slack_app.url, signing.event(mention(problem, thread)), signing.JSON)
    first = flows.placeholder(fake_slack, CHANNEL, thread)
    flows.final(fake_slack, first)
    key = threads.thread_key("slack", CHANNEL, thread)  # the worker records the solution just after
    wait_for(lambda: len(threads.history(redis_conn, key)) == 2, 5, message="the answer in thread memory")

    follow_up = {
        "type": "message",
        "channel": CHANNEL,
        "channel_type": "channel",
        "user": ADA,
        "text": "Why must b + 7 divide 56?",
        "ts": "1699999999.000300",
        "thread_ts": thread,
    }
    assert signing.post(slack_app.url, signing.event(follow_up), signing.JSON).status_code == 200
    second = wait_for(
        lambda: [
            c.response["ts"]
            for c in fake_slack.posted(CHANNEL, thread)
            if c.response["ts"] != first and c.args["text"].startswith("Queued")
        ],
        10,
        message="the follow-up's placeholder",
    )[0]
    flows.final(fake_slack, second)

    request = sim.stats()["last_chat_request"]
    roles = [m["role"] for m in request["messages"]]
    assert roles == ["user", "assistant", "user"]
    assert "integer bases" in request["messages"][0]["content"]
    assert "</think>" not in request["messages"][1]["content"]  # reasoning stripped from history
    assert request["messages"][2]["content"].startswith("Why must b + 7 divide 56?")


def test_reply_in_a_thread_mathbot_is_not_in_is_ignored(
    fake_slack: FakeSlack, slack_app: ThreadedApp, redis_conn: redis.Redis
) -> None:
    reply = {
        "type": "message",
        "channel": CHANNEL,
        "channel_type": "channel",
        "user": ADA,
        "text": "lunch?",
        "ts": "1699999999.000500",
        "thread_ts": "1699999999.000400",
    }
    own = {**reply, "user": BOT_USER, "bot_id": "BBOT0001", "ts": "1699999999.000600", "channel_type": "im"}
    edit = {**reply, "subtype": "message_changed", "channel_type": "im", "ts": "1699999999.000700"}
    for event in (reply, own, edit):
        assert signing.post(slack_app.url, signing.event(event), signing.JSON).status_code == 200
    assert_quiet(lambda: not fake_slack.calls_to("chat.postMessage") and queued_jobs(redis_conn) == 0, 0.5)


def test_dm_is_answered_in_a_thread_under_it(
    fake_slack: FakeSlack, slack_app: ThreadedApp, worker: object
) -> None:
    dm = {
        "type": "message",
        "channel": "D0ADA0001",
        "channel_type": "im",
        "user": ADA,
        "text": aime(1)["problem"],
        "ts": "1699999999.000800",
    }
    assert signing.post(slack_app.url, signing.event(dm), signing.JSON).status_code == 200
    answer = flows.final(fake_slack, flows.placeholder(fake_slack, "D0ADA0001", "1699999999.000800"))
    assert flows.headline(answer) == "Final answer: 70"


def test_group_dm_is_answered_like_a_private_channel(
    fake_slack: FakeSlack, slack_app: ThreadedApp, worker: object, redis_conn: redis.Redis
) -> None:
    """A mention in a group DM mathbot is in, then a follow-up in its thread without a mention, are each
    answered in that thread; the group's other talk is left alone."""
    group, thread = "G0GROUPDM1", "1699999999.000850"
    ask = {**mention(aime(1)["problem"], thread), "channel": group}
    assert signing.post(slack_app.url, signing.event(ask), signing.JSON).status_code == 200
    first = flows.placeholder(fake_slack, group, thread)
    assert flows.headline(flows.final(fake_slack, first)) == "Final answer: 70"
    key = threads.thread_key("slack", group, thread)
    wait_for(lambda: len(threads.history(redis_conn, key)) == 2, 5, message="the answer in thread memory")

    talk = {"type": "message", "channel": group, "channel_type": "mpim", "user": ADA, "text": "lunch?"}
    follow_up = {**talk, "text": "Why must b + 7 divide 56?", "ts": "1699999999.000870", "thread_ts": thread}
    for event in ({**talk, "ts": "1699999999.000860"}, follow_up):
        assert signing.post(slack_app.url, signing.event(event), signing.JSON).status_code == 200
    second = wait_for(
        lambda: [c.response["ts"] for c in fake_slack.posted(group, thread) if c.response["ts"] != first],
        10,
        message="the follow-up's placeholder",
    )[0]
    flows.final(fake_slack, second)
    assert queued_jobs(redis_conn) == 2  # the talk asked nothing
    assert [c.args.get("thread_ts") for c in fake_slack.calls_to("chat.postMessage")] == [thread, thread]


def test_retries_and_double_delivery_make_one_question_and_one_answer(
    fake_slack: FakeSlack, slack_app: ThreadedApp, worker: object, redis_conn: redis.Redis
) -> None:
    ts = "1699999999.000900"
    event = mention(aime(1)["problem"], ts)
    as_mention = signing.event(event, event_id="Ev0MENTION1")
    as_message = signing.event(
        {**event, "type": "message", "channel_type": "channel"}, event_id="Ev0MESSAGE1"
    )
    statuses = [
        signing.post(slack_app.url, as_mention, signing.JSON).status_code,
        signing.post(slack_app.url, as_message, signing.JSON).status_code,
        signing.post(slack_app.url, as_mention, signing.JSON, retry_num=1).status_code,
        signing.post(slack_app.url, as_message, signing.JSON, retry_num=1).status_code,
        signing.post(slack_app.url, as_mention, signing.JSON, retry_num=2).status_code,
    ]
    assert statuses == [200] * 5  # retries are acknowledged, or Slack keeps retrying
    answer = flows.final(fake_slack, flows.placeholder(fake_slack, CHANNEL, ts))

    def finals() -> list[Call]:
        return [c for c in fake_slack.calls_to("chat.update") if flows.is_final(c)]

    assert_quiet(lambda: (queued_jobs(redis_conn), len(fake_slack.posted(CHANNEL, ts)), finals()), 0.5)
    assert queued_jobs(redis_conn) == 1
    assert len(fake_slack.posted(CHANNEL, ts)) == 1
    assert finals() == [answer]


def test_bad_or_stale_signature_is_refused_and_nothing_is_queued(
    fake_slack: FakeSlack, slack_app: ThreadedApp, redis_conn: redis.Redis
) -> None:
    body = signing.event(mention("What is 1+1?", "1699999999.001000"))
    wrong = signing.post(slack_app.url, body, signing.JSON, secret="not-the-secret")
    stale = signing.post(slack_app.url, body, signing.JSON, timestamp=int(time.time()) - 6 * 60)
    unsigned = httpx.post(
        slack_app.url + "/slack/events", content=body, headers={"Content-Type": signing.JSON}
    )
    assert (wrong.status_code, stale.status_code, unsigned.status_code) == (401, 401, 401)
    assert_quiet(lambda: not fake_slack.calls_to("chat.postMessage") and queued_jobs(redis_conn) == 0, 0.3)
    assert not redis_conn.keys("mathbot:seen:*")


def test_health(slack_app: ThreadedApp) -> None:
    response = httpx.get(slack_app.url + "/health")
    assert response.status_code == 200 and response.json() == {"ok": True, "redis": True}


def test_health_in_socket_mode_follows_the_websocket(redis_conn: redis.Redis) -> None:
    """In Socket Mode /health also says whether the WebSocket to Slack is up (503 while it is not)."""
    from bots.slack.app import web_app

    connected = {"now": True}

    async def socket_connected() -> bool:
        return connected["now"]

    server = ThreadedApp(lambda: web_app(None, redis_conn, socket_connected)).start()
    try:
        up = httpx.get(server.url + "/health")
        connected["now"] = False
        down = httpx.get(server.url + "/health")
        events = httpx.post(server.url + "/slack/events", content=b"{}")
    finally:
        server.stop()
    assert (up.status_code, up.json()) == (200, {"ok": True, "redis": True, "socket_mode": True})
    assert (down.status_code, down.json()) == (503, {"ok": False, "redis": True, "socket_mode": False})
    assert events.status_code in (404, 405), "Socket Mode takes no events over HTTP"


def test_oversized_paste_is_refused_in_the_thread_without_queueing(
    fake_slack: FakeSlack, slack_app: ThreadedApp, redis_conn: redis.Redis
) -> None:
    ts = "1699999999.001100"
    chars = defaults.MAX_QUESTION_CHARS + 1
    signing.post(slack_app.url, signing.event(mention("x" * chars, ts)), signing.JSON)
    notice = wait_for(lambda: fake_slack.posted(CHANNEL, ts), 10, message="the refusal")[0]
    assert notice.args["text"] == messages.question_too_many_chars(chars, defaults.MAX_QUESTION_CHARS)
    assert queued_jobs(redis_conn) == 0


def test_url_verification_challenge_is_answered(slack_app: ThreadedApp) -> None:
    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    body = json.dumps({"token": "t", "challenge": challenge, "type": "url_verification"})
    response = signing.post(slack_app.url, body, signing.JSON)
    assert response.status_code == 200 and response.json() == {"challenge": challenge}


def test_a_slack_connect_question_spends_the_installing_workspaces_budget(
    fake_slack: FakeSlack, slack_app: ThreadedApp, redis_conn: redis.Redis
) -> None:
    """The author of a message in a shared channel belongs to another org (`team` in the event): the
    answer's edits still count against this workspace's chat.update budget."""
    ts = "1699999999.001200"
    event = mention("What is 1 + 1?", ts, team="T0OTHER99", user_team="T0OTHER99")
    assert signing.post(slack_app.url, signing.event(event), signing.JSON).status_code == 200
    placeholder = flows.placeholder(fake_slack, CHANNEL, ts)
    question = wait_for(
        lambda: questions.behind(redis_conn, "slack", placeholder, channel=CHANNEL), 5, message="it"
    )
    assert question.target.team == TEAM


def test_editing_an_answered_mention_does_not_ask_it_again(
    fake_slack: FakeSlack, slack_app: ThreadedApp, redis_conn: redis.Redis
) -> None:
    """Slack sends a new app_mention for each edit (new event id, same ts, an `edited` field); fixing
    a typo an hour later must not cost a second answer."""
    ts = "1699999999.001300"
    signing.post(slack_app.url, signing.event(mention("What is 1 + 1?", ts)), signing.JSON)
    flows.placeholder(fake_slack, CHANNEL, ts)
    for key in redis_conn.keys(keys.SEEN + "*"):  # the dedupe window has passed
        redis_conn.delete(key)
    edited = mention("What is 1 + 2?", ts, edited={"user": ADA, "ts": "1699999999.001400"})
    assert signing.post(slack_app.url, signing.event(edited), signing.JSON).status_code == 200
    assert_quiet(lambda: len(fake_slack.posted(CHANNEL, ts)) == 1 and queued_jobs(redis_conn) == 1, 0.5)
