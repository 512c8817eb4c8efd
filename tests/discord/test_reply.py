"""The worker-side DiscordReply against the fake Discord and the real Redis: edits, idempotence, hand-over."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest
import redis

from bots.discord import layout, texts
from bots.discord.reply import DiscordReply, follow_up_hint
from bots.discord.rest import RestClient
from mathbot import messages, present, runs
from mathbot.errors import Cancelled, EmptyQuestion, MathbotError, QuestionTooLong, ServerUnavailable
from mathbot.jobs import Question, ReplyTarget, Turn
from mathbot.outcome import Answer, Progress
from mathbot.settings import Settings
from tests.discord.conftest import FakeServer
from tests.fakes.discord import ATTACH_FILES, CHANNEL_ID
from workers import answer as worker


@pytest.fixture
def reply(rest: RestClient, redis_conn: redis.Redis) -> DiscordReply:
    placeholder = rest.create_message(str(CHANNEL_ID), present.RECEIVED)
    target = ReplyTarget(platform="discord", channel=str(CHANNEL_ID), placeholder=placeholder["id"], user="7")
    return DiscordReply(target, rest, redis_conn)


def long_answer(paragraphs: int) -> Answer:
    text = "\n\n".join(
        f"Paragraph {i}: " + "the argument continues with more words. " * 20 for i in range(paragraphs)
    )
    return Answer(
        question="What is 6 * 7?",
        reasoning="thinking",
        solution=text + "\n\nSo $\\boxed{42}$.",
        final="42",
        truncated=False,
        finish_reason="stop",
        prompt_tokens=10,
        completion_tokens=2000,
        thinking_seconds=10,
        elapsed=12,
    )


def posts(discord_fake: FakeServer) -> list[str]:
    return [c.path for c in discord_fake.fake.calls if c.method == "POST"]


def test_answer_twice_edits_the_same_messages(reply: DiscordReply, discord_fake: FakeServer) -> None:
    fake = discord_fake.fake
    reply.answer(long_answer(12))
    first = [m["id"] for m in fake.bot_messages(CHANNEL_ID)]
    assert len(first) > 2
    posted_before = len(posts(discord_fake))
    reply.answer(long_answer(12))
    assert [m["id"] for m in fake.bot_messages(CHANNEL_ID)] == first
    assert len(posts(discord_fake)) == posted_before, "a repeated delivery posts nothing new"
    assert fake.bot_messages(CHANNEL_ID)[0]["content"].startswith("## Final answer: 42")


def test_a_60000_character_answer_is_ten_messages_in_the_thread(
    reply: DiscordReply, discord_fake: FakeServer
) -> None:
    fake = discord_fake.fake
    answer = long_answer(75)
    assert len(answer.solution) > 60_000
    reply.answer(answer)
    shown = fake.bot_messages(CHANNEL_ID)
    assert len(shown) == layout.MAX_MESSAGES
    assert shown[0]["content"].startswith("## Final answer: 42")
    assert [a["filename"] for a in shown[-1]["attachments"]] == ["reasoning.md", layout.SOLUTION_FILENAME]
    assert "the attached solution.md" in shown[-1]["content"]


def test_a_shorter_second_answer_removes_leftover_parts(
    reply: DiscordReply, discord_fake: FakeServer
) -> None:
    reply.answer(long_answer(12))
    reply.answer(long_answer(1))
    (only,) = discord_fake.fake.bot_messages(CHANNEL_ID)
    assert only["content"].startswith("## Final answer: 42")


def test_held_placeholder_skips_progress_and_delays_the_answer(
    reply: DiscordReply, discord_fake: FakeServer, redis_conn: redis.Redis, settings: Settings
) -> None:
    """While the adapter holds the question's gate (its "queued" edit), the worker's progress is
    skipped and its answer waits for the gate: the late "queued" can never overwrite them."""
    fake = discord_fake.fake
    question = Question(target=reply.target, turns=[Turn(role="user", content="What is 6 * 7?")])
    adapter = runs.Gate(redis_conn, question.id)
    assert adapter.hold()
    gate = runs.Gate(redis_conn, question.id, runs.begin(redis_conn, question.id, 60))
    calls = len(fake.calls)
    worker._progress(reply, gate)(Progress("thinking", 10, 1.0))
    assert len(fake.calls) == calls

    released_at: list[float] = []

    def adapter_finishes() -> None:
        time.sleep(0.4)
        released_at.append(time.monotonic())
        adapter.release()

    threading.Thread(target=adapter_finishes).start()
    assert worker.deliver(redis_conn, question, gate, lambda: reply.answer(long_answer(1)), settings)
    answer_edit = fake.calls[-1]
    assert answer_edit.method == "PATCH" and answer_edit.at >= released_at[0]


def test_progress_is_skipped_when_rate_limited(reply: DiscordReply, discord_fake: FakeServer) -> None:
    discord_fake.fake.rate_limit("PATCH", r"/channels/\d+/messages/\d+", retry_after=5)
    reply.progress(Progress("thinking", 10, 1.0))  # no exception, no wait
    reply.progress(Progress("thinking", 20, 2.0))
    patches = [c for c in discord_fake.fake.calls if c.method == "PATCH"]
    assert len(patches) == 1


def test_error_replaces_the_placeholder(reply: DiscordReply, discord_fake: FakeServer) -> None:
    reply.error(ServerUnavailable("The math model's server is not reachable right now."))
    (message,) = discord_fake.fake.bot_messages(CHANNEL_ID)
    assert message["content"] == "⚠️ The math model's server is not reachable right now."


def test_a_deleted_placeholder_gets_a_new_message(reply: DiscordReply, discord_fake: FakeServer) -> None:
    discord_fake.fake.messages.pop(int(reply.message or 0))
    reply.answer(long_answer(1))
    (message,) = discord_fake.fake.bot_messages(CHANNEL_ID)
    assert message["content"].startswith("## Final answer: 42")


def test_follow_up_hints_depend_on_where_the_answer_lands() -> None:
    thread = ReplyTarget(platform="discord", channel="1", thread="2", team="3")
    dm = ReplyTarget(platform="discord", channel="1")
    channel = ReplyTarget(platform="discord", channel="1", team="3")
    assert follow_up_hint(thread, True) == texts.FOLLOW_UP
    assert follow_up_hint(thread, False) == texts.FOLLOW_UP_MENTION
    assert follow_up_hint(dm, True) == texts.FOLLOW_UP_DM
    assert follow_up_hint(channel, True) == ""


def test_a_replaced_placeholder_is_reused_on_a_second_delivery(
    reply: DiscordReply, discord_fake: FakeServer
) -> None:
    discord_fake.fake.messages.pop(int(reply.message or 0))
    reply.answer(long_answer(1))
    reply.answer(long_answer(1))
    (message,) = discord_fake.fake.bot_messages(CHANNEL_ID)
    assert message["content"].startswith("## Final answer: 42")


def test_progress_stops_once_the_placeholder_is_deleted(
    reply: DiscordReply, discord_fake: FakeServer
) -> None:
    discord_fake.fake.messages.pop(int(reply.message or 0))
    reply.progress(Progress("thinking", 10, 1.0))
    reply.progress(Progress("thinking", 20, 2.0))
    assert len([c for c in discord_fake.fake.calls if c.method == "PATCH"]) == 1


@pytest.mark.parametrize("end", ["answer", "error"])
def test_progress_carries_the_cancel_button_and_the_end_removes_it(
    reply: DiscordReply, discord_fake: FakeServer, end: str
) -> None:
    reply.progress(Progress("thinking", 10, 1.0))
    (message,) = discord_fake.fake.bot_messages(CHANNEL_ID)
    assert message["components"] == layout.cancel_components()
    (button,) = message["components"][0]["components"]
    assert button["custom_id"] == layout.CANCEL_ID and button["type"] == 2
    if end == "answer":
        reply.answer(long_answer(1))
    else:
        reply.error(EmptyQuestion())  # an error that asking again cannot fix: no button at all
    (message,) = discord_fake.fake.bot_messages(CHANNEL_ID)
    assert message["components"] == []


@pytest.mark.parametrize(
    "error",
    [
        ServerUnavailable(messages.gave_up(messages.SERVER_FAILING, 5)),
        MathbotError(messages.WORKER_LOST),
        MathbotError(messages.TIMED_OUT),
    ],
)
def test_a_retryable_error_replaces_cancel_with_try_again(
    reply: DiscordReply, discord_fake: FakeServer, error: MathbotError
) -> None:
    reply.progress(Progress("retrying", 10, 1.0))
    reply.error(error)
    (message,) = discord_fake.fake.bot_messages(CHANNEL_ID)
    assert message["content"] == "⚠️ " + error.user_message
    assert message["components"] == layout.retry_components()


@pytest.mark.parametrize("error", [EmptyQuestion(), QuestionTooLong(9000, 4000), Cancelled()])
def test_errors_that_asking_again_cannot_fix_have_no_button(
    reply: DiscordReply, discord_fake: FakeServer, error: MathbotError
) -> None:
    reply.error(error)
    (message,) = discord_fake.fake.bot_messages(CHANNEL_ID)
    assert message["components"] == []


def test_a_truncated_answer_carries_try_again_on_its_first_message_only(
    reply: DiscordReply, discord_fake: FakeServer
) -> None:
    reply.progress(Progress("thinking", 10, 1.0))
    reply.answer(replace(long_answer(12), final=None, truncated=True, finish_reason="length"))
    head, *rest = discord_fake.fake.bot_messages(CHANNEL_ID)
    assert rest, "a long answer: several messages"
    assert messages.TRUNCATED in head["content"]
    assert head["components"] == layout.retry_components()
    assert all(m["components"] == [] for m in rest)


def test_a_replaced_placeholder_gets_the_button_too(reply: DiscordReply, discord_fake: FakeServer) -> None:
    discord_fake.fake.messages.pop(int(reply.message or 0))
    reply.error(ServerUnavailable(messages.SERVER_DOWN))
    (message,) = discord_fake.fake.bot_messages(CHANNEL_ID)
    assert message["id"] != reply.message and message["components"] == layout.retry_components()


@pytest.fixture
def thread_reply(rest: RestClient, redis_conn: redis.Redis, discord_fake: FakeServer) -> DiscordReply:
    """A question answered in a thread: its placeholder is the thread's first bot message."""
    thread = discord_fake.run(discord_fake.fake.open_thread("What is 6 * 7?"))
    placeholder = rest.create_message(str(thread), present.RECEIVED)
    target = ReplyTarget(
        platform="discord",
        channel=str(CHANNEL_ID),
        thread=str(thread),
        placeholder=placeholder["id"],
        user="7",
        team="1",
    )
    return DiscordReply(target, rest, redis_conn)


def test_an_answer_reaches_a_thread_archived_while_the_model_thought(
    thread_reply: DiscordReply, discord_fake: FakeServer
) -> None:
    """A moderator (or the asker, closing a forum post) archives the thread mid-answer: Discord refuses
    edits there (50083), so progress stops quietly and the answer unarchives the thread and lands."""
    fake, thread = discord_fake.fake, thread_reply.channel
    thread_reply.progress(Progress("thinking", 10, 1.0))
    discord_fake.run(fake.archive(thread))
    thread_reply.progress(Progress("thinking", 20, 2.0))  # refused, no exception: progress is best effort
    calls = len(fake.calls)
    thread_reply.progress(Progress("thinking", 30, 3.0))
    assert len(fake.calls) == calls, "no more refused edits"
    thread_reply.answer(long_answer(12))
    head, *more = fake.bot_messages(thread)
    assert head["content"].startswith("## Final answer: 42") and more
    assert not fake.channels[int(thread)]["thread_metadata"]["archived"]


def test_an_error_reaches_a_thread_archived_while_the_model_thought(
    thread_reply: DiscordReply, discord_fake: FakeServer
) -> None:
    discord_fake.run(discord_fake.fake.archive(thread_reply.channel))
    thread_reply.error(ServerUnavailable(messages.SERVER_DOWN))
    (message,) = discord_fake.fake.bot_messages(thread_reply.channel)
    assert message["content"] == "⚠️ " + messages.SERVER_DOWN


def test_an_answer_where_files_are_refused_is_delivered_without_them(
    reply: DiscordReply, discord_fake: FakeServer
) -> None:
    """A channel overwrite took Attach Files away: Discord refuses the answer's files (50013), so the
    text comes alone, saying why, instead of the whole answer failing and being generated again."""
    fake = discord_fake.fake
    fake.denied[CHANNEL_ID] = ATTACH_FILES
    reply.answer(long_answer(12))
    head, *more = fake.bot_messages(CHANNEL_ID)
    assert head["content"].startswith("## Final answer: 42") and more
    assert all(m["attachments"] == [] for m in (head, *more))
    assert texts.NO_ATTACHMENTS in more[-1]["content"]
