"""The worker's SlackReply against the fake Slack Web API: limits, idempotence, rate limits."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import redis

from bots.slack import blocks, store
from bots.slack.ratelimit import EditBudget
from bots.slack.reply import SlackReply, make_reply
from mathbot import messages, runs
from mathbot.errors import ServerUnavailable
from mathbot.jobs import Question, ReplyTarget, Turn
from mathbot.outcome import Progress
from mathbot.settings import Settings
from tests.fakes.slack import TEAM, FakeSlack
from tests.slack import flows
from tests.slack.test_blocks import answer, long_solution
from workers import answer as worker

CHANNEL = "C0MATHS01"
THREAD = "1699999999.000100"


@pytest.fixture
def reply(fake_slack: FakeSlack, settings: Settings, redis_conn: redis.Redis) -> SlackReply:
    """A SlackReply whose placeholder the adapter has posted."""
    target = ReplyTarget(platform="slack", channel=CHANNEL, thread=THREAD, user="U0ADA001", team=TEAM)
    slack = make_reply(target, settings)
    slack.placeholder("Received — queueing…")
    assert slack.target.placeholder
    return slack


def sent(fake: FakeSlack) -> list[Any]:
    return [c for c in fake.api_calls() if c.method in ("chat.postMessage", "chat.update")]


def test_long_answer_fits_slack_and_a_second_delivery_posts_nothing_new(
    reply: SlackReply, fake_slack: FakeSlack
) -> None:
    ts = reply.target.placeholder or ""
    long = answer(solution=long_solution(), question="Find x.")
    reply.answer(long)
    first_round = sent(fake_slack)
    assert all(c.response.get("ok") for c in first_round), [c.response for c in first_round]
    posts = [c for c in first_round if c.method == "chat.postMessage"]
    assert len(posts) >= 3  # placeholder + follow-up parts
    assert all(c.args.get("thread_ts") == THREAD for c in posts)
    for call in first_round:
        assert len(call.args.get("text", "")) <= blocks.MESSAGE_TEXT_LIMIT
        assert len(call.args.get("blocks") or []) <= blocks.MAX_BLOCKS
    assert flows.headline(fake_slack.updates(ts)[-1]) == "Final answer: 70"

    reply.answer(long)  # a retried job delivers again: edits only
    second_round = sent(fake_slack)[len(first_round) :]
    assert second_round and all(c.method == "chat.update" for c in second_round)
    assert len(fake_slack.calls_to("files.completeUploadExternal")) <= 1


def test_formula_images_are_uploaded_once_and_bounded(
    reply: SlackReply, fake_slack: FakeSlack, redis_conn: redis.Redis
) -> None:
    solution = "\n\n".join(f"\\[\\frac{{{i}}}{{{i + 1}}} + \\sqrt{{{i}}}\\]" for i in range(1, 8))
    reply.answer(answer(solution=solution))
    reply.answer(answer(solution=solution))
    completes = fake_slack.calls_to("files.completeUploadExternal")
    assert len(completes) == 1
    assert len(completes[0].args["files"]) == reply.config.max_images == 4
    assert completes[0].args["thread_ts"] == THREAD
    assert all(body.startswith(b"\x89PNG") for body in fake_slack.uploads.values())


def test_reasoning_is_stored_for_the_button(reply: SlackReply, redis_conn: redis.Redis) -> None:
    reply.answer(answer(reasoning="Long thoughts."))
    record = store.load_reasoning(redis_conn, CHANNEL, reply.target.placeholder or "")
    assert record is not None and record["reasoning"] == "Long thoughts." and record["thread"] == THREAD


def test_progress_is_skipped_once_the_answer_is_shown(
    reply: SlackReply, fake_slack: FakeSlack, redis_conn: redis.Redis, settings: Settings
) -> None:
    question = Question(target=reply.target, turns=[Turn(role="user", content="Find x.")])
    gate = runs.Gate(redis_conn, question.id, runs.begin(redis_conn, question.id, 60))
    assert worker.deliver(redis_conn, question, gate, lambda: reply.answer(answer()), settings)
    before = len(fake_slack.calls_to("chat.update"))
    with pytest.raises(worker.Superseded):  # the run is told to stop: its question is over
        worker._progress(reply, gate)(Progress("thinking", 100, 5.0, "late"))
    assert len(fake_slack.calls_to("chat.update")) == before


def test_progress_429_pauses_progress_for_the_workspace_without_waiting(
    reply: SlackReply, fake_slack: FakeSlack, redis_conn: redis.Redis
) -> None:
    fake_slack.rate_limit["chat.update"] = 1
    fake_slack.retry_after = 30
    started = time.monotonic()
    reply.progress(Progress("thinking", 100, 5.0))
    assert time.monotonic() - started < 2  # the generation is never held up by Slack
    assert not EditBudget(redis_conn, TEAM, 40).try_spend()  # cooling down, for every worker
    reply.progress(Progress("thinking", 200, 8.0))
    assert len(fake_slack.calls_to("chat.update")) == 1


def test_final_answer_waits_out_a_429(reply: SlackReply, fake_slack: FakeSlack) -> None:
    fake_slack.rate_limit["chat.update"] = 1
    fake_slack.retry_after = 1
    reply.answer(answer())
    updates = fake_slack.updates(reply.target.placeholder or "")
    assert [c.status for c in updates] == [429, 200]
    assert updates[1].at - updates[0].at >= 1.0


def test_error_replaces_the_placeholder_in_plain_words(reply: SlackReply, fake_slack: FakeSlack) -> None:
    reply.error(ServerUnavailable(messages.gave_up(messages.SERVER_DOWN, 5)))
    call = fake_slack.updates(reply.target.placeholder or "")[-1]
    assert messages.SERVER_DOWN in call.args["text"]
    assert any(b["type"] == "actions" for b in call.args["blocks"])


def test_deleted_placeholder_gets_the_answer_posted_anew(reply: SlackReply, fake_slack: FakeSlack) -> None:
    fake_slack.errors["chat.update"] = "message_not_found"
    reply.answer(answer())
    last = fake_slack.calls_to("chat.postMessage")[-1]
    assert last.args["thread_ts"] == THREAD and last.args["blocks"][0]["type"] == "header"


def test_no_pings_reach_slack(reply: SlackReply, fake_slack: FakeSlack) -> None:
    evil = "Hey <@U0BOB002> and <!channel>, <!here> see @everyone"
    reply.progress(Progress("thinking", 10, 1.0, snippet=evil))
    reply.answer(answer(solution=evil, final="<!here>"))
    for call in sent(fake_slack):
        dumped = json.dumps(call.args)
        assert "<@" not in dumped and "<!" not in dumped


def test_refused_blocks_still_deliver_the_answer_as_text(reply: SlackReply, fake_slack: FakeSlack) -> None:
    fake_slack.errors["chat.update"] = "invalid_blocks"
    reply.answer(answer())
    last = fake_slack.updates(reply.target.placeholder or "")[-1]
    assert last.response["ok"] and not last.args.get("blocks")
    assert last.args["text"].startswith("Final answer: 70") and "So the answer is" in last.args["text"]


def test_progress_carries_cancel_and_stops_once_cancelled(
    reply: SlackReply, fake_slack: FakeSlack, redis_conn: redis.Redis, settings: Settings
) -> None:
    """The worker speaks only through the question's gate: once the adapter cancels the question,
    no progress, answer or error of the run reaches Slack, and the run is told to stop."""
    ts = reply.target.placeholder or ""
    question = Question(target=reply.target, turns=[Turn(role="user", content="Find x.")])
    gate = runs.Gate(redis_conn, question.id, runs.begin(redis_conn, question.id, 60))
    report = worker._progress(reply, gate)
    report(Progress("thinking", 100, 5.0, "so x = 2"))
    [edit] = fake_slack.updates(ts)
    assert edit.args["blocks"][-1]["elements"][0]["action_id"] == blocks.CANCEL_ACTION
    assert edit.args["blocks"][-1]["elements"][0]["value"] == blocks.action_value(CHANNEL, ts)

    assert runs.finish(redis_conn, question.id, "cancelled", 60)  # what the adapter's "Cancel" does
    with pytest.raises(worker.Superseded):
        report(Progress("thinking", 200, 8.0))
    assert not worker.deliver(redis_conn, question, gate, lambda: reply.answer(answer()), settings)
    error = ServerUnavailable(messages.SERVER_DOWN)
    assert not worker.deliver(redis_conn, question, gate, lambda: reply.error(error), settings)
    assert fake_slack.updates(ts) == [edit]  # nothing overwrites the cancellation
    assert len(fake_slack.calls_to("chat.postMessage")) == 1 and not fake_slack.calls_to(
        "files.completeUploadExternal"
    )


def test_a_failed_follow_up_part_never_fails_the_delivered_answer(
    reply: SlackReply, fake_slack: FakeSlack
) -> None:
    """Once the answer shows in the placeholder, a part that Slack refuses must not raise: the job would
    fail and RQ would generate a different answer to put over this one. A repeated delivery fills in."""
    ts = reply.target.placeholder or ""
    long = answer(solution=long_solution(), question="Find x.")
    parts = len(blocks.answer_messages(long, blocks.action_value(CHANNEL, ts)))
    fake_slack.errors["chat.postMessage"] = "internal_error"
    reply.answer(long)  # does not raise
    assert flows.headline(fake_slack.updates(ts)[-1]) == "Final answer: 70"
    reply.answer(long)
    posted = [c for c in fake_slack.posted(CHANNEL, THREAD) if c.response["ts"] != ts]
    assert len(posted) == parts - 1


def test_an_undeliverable_answer_is_dropped_not_raised(reply: SlackReply, fake_slack: FakeSlack) -> None:
    """mathbot removed from the channel mid-answer: raising would have RQ generate it all again."""
    fake_slack.errors["chat.update"] = "channel_not_found"
    reply.answer(answer())
    fake_slack.errors["chat.update"] = "is_archived"
    reply.error(ServerUnavailable(messages.SERVER_DOWN))
    assert len(fake_slack.calls_to("chat.update")) == 2 and len(fake_slack.calls_to("chat.postMessage")) == 1


def test_final_answer_waits_for_room_under_slacks_limit(
    reply: SlackReply, fake_slack: FakeSlack, redis_conn: redis.Redis
) -> None:
    """Many answers finishing in the same minute: the answer waits for a slot (briefly) rather than
    break Tier 3 and be refused."""
    reply.budget = EditBudget(redis_conn, TEAM, 1, window=1, hard=2)  # a one-second "minute", for speed
    reply.budget.spend()
    reply.budget.spend()  # other answers filled it
    started = time.monotonic()
    reply.answer(answer())
    [final] = fake_slack.updates(reply.target.placeholder or "")
    assert final.at - started > 0.5 and final.response["ok"]


def test_retrying_notices_never_break_slacks_limit(
    reply: SlackReply, fake_slack: FakeSlack, redis_conn: redis.Redis
) -> None:
    """A server outage makes every answer in flight retry at once: their notices fit in the limit or
    are skipped (the next notice, or the error, tells the user)."""
    reply.budget = EditBudget(redis_conn, TEAM, 40, hard=2)
    reply.budget.spend()
    detail = messages.retrying(messages.SERVER_DOWN, 1, 5, 4)
    reply.progress(Progress("retrying", elapsed=3.0, detail=detail))
    reply.progress(Progress("retrying", elapsed=9.0, detail=detail))
    assert len(fake_slack.updates(reply.target.placeholder or "")) == 1
