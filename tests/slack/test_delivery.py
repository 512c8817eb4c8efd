"""End to end with worker processes: throttled progress within the workspace budget, errors in plain
words, truncated answers with "Try again", "Show reasoning", and a queue that is down."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import httpx
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from bots.slack import blocks, texts
from mathbot import messages
from mathbot.settings import Settings
from tests.fakes.slack import BOT_USER, FakeSlack, signing
from tests.slack import flows
from tests.slack.flows import workers
from tests.support.data import aime
from tests.support.processes import wait_for
from tests.support.servers import ThreadedApp, free_port
from tests.support.sim import Sim

CHANNEL = "C0MATHS01"
ADA = "U0ADA001"


def ask(app: ThreadedApp, text: str, ts: str, channel: str = CHANNEL) -> None:
    event = {
        "type": "app_mention",
        "channel": channel,
        "user": ADA,
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
    }
    assert signing.post(app.url, signing.event(event), signing.JSON).status_code == 200


def click(app: ThreadedApp, action_id: str, channel: str, message_ts: str, thread: str) -> None:
    body = signing.action(
        action_id, blocks.action_value(channel, message_ts), channel, ADA, message_ts, thread
    )
    assert signing.post(app.url, body, signing.FORM).status_code == 200


def test_progress_edits_are_throttled_and_within_the_workspace_budget(
    fake_slack: FakeSlack, slack_app: ThreadedApp, sim: Sim, env: dict[str, str], tmp_path: Path
) -> None:
    interval, budget = 0.3, 6
    sim.faults(tokens_per_second=200)
    threads = ["1699999999.010000", "1699999999.020000"]
    with workers(
        env,
        tmp_path,
        count=2,
        MATHBOT_PROGRESS_INTERVAL=str(interval),
        MATHBOT_SLACK_EDITS_PER_MINUTE=str(budget),
    ):
        for thread in threads:
            ask(slack_app, aime(1)["problem"], thread)
        placeholders = [flows.placeholder(fake_slack, CHANNEL, t) for t in threads]
        finals = [flows.final(fake_slack, ts, timeout=40) for ts in placeholders]
    assert [flows.headline(f) for f in finals] == ["Final answer: 70"] * 2  # never skipped

    progress = []
    for ts in placeholders:
        mine = [c for c in fake_slack.updates(ts) if not flows.is_final(c)]
        gaps = [b.at - a.at for a, b in itertools.pairwise(mine)]
        assert all(gap >= interval - 0.05 for gap in gaps), gaps
        progress += mine
    assert progress, "some progress was shown"
    assert len(progress) <= budget  # what the answers wanted was far more
    stats = sim.stats()
    assert stats["generations_completed"] == 2


def test_server_down_reaches_the_thread_in_plain_words_after_retries(
    fake_slack: FakeSlack, slack_app: ThreadedApp, env: dict[str, str], tmp_path: Path
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    ts = "1699999999.030000"
    with workers(env, tmp_path, TGI_URL=closed, MATHBOT_SERVER_RETRIES="2", MATHBOT_PROGRESS_INTERVAL="0"):
        ask(slack_app, aime(1)["problem"], ts)
        placeholder = flows.placeholder(fake_slack, CHANNEL, ts)
        error = flows.final(fake_slack, placeholder)
    assert messages.SERVER_DOWN in error.args["text"] and "tried 3 times" in error.args["text"]
    assert error.args["blocks"][-1]["elements"][0]["action_id"] == blocks.RETRY_ACTION
    retrying = [c.args["text"] for c in fake_slack.updates(placeholder) if "Retrying" in c.args["text"]]
    assert retrying and "not reachable" in retrying[0] and "attempt 2 of 3" in retrying[0]


def test_question_too_long_for_the_model_says_the_limit(
    fake_slack: FakeSlack, slack_app: ThreadedApp, env: dict[str, str], tmp_path: Path
) -> None:
    ts = "1699999999.040000"
    with workers(env, tmp_path, MATHBOT_MAX_TOTAL_TOKENS="2600", MATHBOT_MIN_ANSWER_TOKENS="2048"):
        ask(slack_app, "Prove that this holds. " * 400, ts)
        error = flows.final(fake_slack, flows.placeholder(fake_slack, CHANNEL, ts))
    assert "too long for the model" in error.args["text"] and "552" in error.args["text"]
    assert not any(b["type"] == "actions" for b in error.args["blocks"])  # asking again cannot help


def test_truncated_answer_try_again_and_show_reasoning(
    fake_slack: FakeSlack,
    slack_app: ThreadedApp,
    sim: Sim,
    env: dict[str, str],
    tmp_path: Path,
    redis_conn: redis.Redis,
) -> None:
    ts = "1699999999.050000"
    sim.faults(no_answer=1)
    no_rescue = {"MATHBOT_RESCUE_RESERVE": "0"}  # no budget forcing: the run stays truncated
    with workers(
        env, tmp_path, MATHBOT_MAX_TOTAL_TOKENS="2600", MATHBOT_MIN_ANSWER_TOKENS="2048", **no_rescue
    ):
        ask(slack_app, aime(1)["problem"], ts)
        first = flows.placeholder(fake_slack, CHANNEL, ts)
        truncated = flows.final(fake_slack, first)
        assert flows.headline(truncated).startswith("No final answer")
        assert messages.TRUNCATED in flows.all_text(truncated)

        click(slack_app, blocks.RETRY_ACTION, CHANNEL, first, ts)
        click(slack_app, blocks.RETRY_ACTION, CHANNEL, first, ts)  # a double click asks once
        second = wait_for(
            lambda: [c.response["ts"] for c in fake_slack.posted(CHANNEL, ts) if c.response["ts"] != first],
            10,
            message="the retry's placeholder",
        )[0]
        answer = flows.final(fake_slack, second)
    assert flows.headline(answer) == "Final answer: 70"
    ephemeral = wait_for(lambda: fake_slack.calls_to("chat.postEphemeral"), 5, message="the double click")
    assert ephemeral[0].args["text"] == texts.RETRY_ALREADY
    assert len(redis_conn.keys("rq:job:*")) == 2

    click(slack_app, blocks.REASONING_ACTION, CHANNEL, second, ts)
    done = wait_for(
        lambda: [
            c
            for c in fake_slack.calls_to("files.completeUploadExternal")
            if c.args.get("initial_comment") is None
        ],
        10,
        message="the reasoning file",
    )
    assert done[0].args["thread_ts"] == ts and done[0].args["channel_id"] == CHANNEL
    file_id = done[0].args["files"][0]["id"]
    content = fake_slack.uploads[file_id].decode()
    assert content.startswith("# Reasoning") and "integer bases" in content
    click(slack_app, blocks.REASONING_ACTION, CHANNEL, second, ts)
    wait_for(lambda: len(fake_slack.calls_to("chat.postEphemeral")) == 2, 5, message="the second click")
    assert fake_slack.calls_to("chat.postEphemeral")[-1].args["text"] == texts.REASONING_ALREADY


def test_queue_down_is_told_in_the_thread(fake_slack: FakeSlack, settings: Settings) -> None:
    from bots.slack.app import create_web_app

    down = redis.Redis(port=free_port(), socket_connect_timeout=1, retry=Retry(NoBackoff(), 0))  # fail fast
    app = ThreadedApp(lambda: create_web_app(settings, down)).start()
    try:
        ask(app, "What is 1 + 1?", "1699999999.060000")
        notice = wait_for(lambda: fake_slack.posted(CHANNEL, "1699999999.060000"), 10, message="the notice")
        assert messages.QUEUE_DOWN in notice[0].args["text"]

        # /solve is refused before its problem is posted: only its asker hears why.
        body = signing.command("What is 2 + 2?", CHANNEL, ADA, fake_slack.url + "/response/command")
        assert signing.post(app.url, body, signing.FORM).status_code == 200
        error = wait_for(lambda: fake_slack.calls_to("chat.postEphemeral"), 10, message="the /solve refusal")
        assert messages.QUEUE_DOWN in error[0].args["text"] and error[0].args["user"] == ADA
        assert fake_slack.roots(CHANNEL) == [], "no message quoting a problem that cannot be answered"

        assert httpx.get(app.url + "/health").status_code == 503
    finally:
        app.stop()


def test_web_api_calls_of_one_answer(
    fake_slack: FakeSlack, slack_app: ThreadedApp, sim: Sim, env: dict[str, str], tmp_path: Path
) -> None:
    """What one answer costs in Slack Web API calls (the numbers docs/slack.md states)."""
    interval = 0.3
    sim.faults(tokens_per_second=300)
    ts = "1699999999.090000"
    with workers(env, tmp_path, MATHBOT_PROGRESS_INTERVAL=str(interval)):
        ask(slack_app, aime(1)["problem"], ts)
        placeholder = flows.placeholder(fake_slack, CHANNEL, ts)
        answer = flows.final(fake_slack, placeholder)
        wait_for(lambda: fake_slack.calls_to("files.completeUploadExternal"), 10, message="the images")
    calls = Counter(c.method for c in fake_slack.api_calls())
    updates = fake_slack.updates(placeholder)
    progress = [c for c in updates if not flows.is_final(c)]
    seconds = answer.at - fake_slack.posted(CHANNEL, ts)[0].at
    print(f"\nWeb API calls for one {seconds:.1f} s answer: {dict(calls)}; progress edits {len(progress)}")
    assert calls["auth.test"] == 1  # once per adapter process, not per answer
    assert calls["chat.postMessage"] == 1  # the placeholder; the solution fits in it
    assert calls["chat.update"] == len(progress) + 1  # progress, the answer: the placeholder came queued
    assert len(progress) <= seconds / interval + 1
    assert calls["files.getUploadURLExternal"] == len(fake_slack.uploads) <= 4
    assert calls["files.completeUploadExternal"] == 1
    assert set(calls) == {
        "auth.test",
        "chat.postMessage",
        "chat.update",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    }
