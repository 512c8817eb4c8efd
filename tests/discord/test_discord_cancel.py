"""Cancelling on Discord, end to end: the cancel button on the placeholder, clicked through the fake gateway.

`mathbot discord` on the fake Discord, a real `mathbot worker` (when a test needs one), real Redis and
the TGI simulator slowed down so that a question is still queued or running when the click arrives.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import redis
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from bots.discord import layout, texts
from bots.discord.reply import make_reply
from mathbot import messages, questions, runs
from mathbot.errors import ServerTimeout
from mathbot.outcome import Progress
from mathbot.settings import Settings
from tests.discord.conftest import FakeServer
from tests.discord.test_discord_flow import answered, assert_safe_and_small
from tests.fakes.discord import ALICE, BOB, Call, FakeDiscord
from tests.support import processes
from tests.support.data import aime
from tests.support.sim import Sim
from tests.support.waiting import assert_quiet
from workers import answer as worker

PROBLEM = aime(1)["problem"]

QUIET_AFTER_CANCEL = 5.0
"""Seconds a cancelled question is watched for late edits or an answer."""


def placeholder(fake: FakeDiscord, thread: int | str) -> dict[str, Any]:
    """The first bot message in the thread: the placeholder that becomes the answer."""
    return fake.bot_messages(thread)[0]


def wait_for_button(fake: FakeDiscord, thread: int | str, *, showing: str = "") -> dict[str, Any]:
    """Wait until the placeholder carries the cancel button (and shows `showing`); returns it."""

    def ready() -> dict[str, Any] | None:
        found = fake.bot_messages(thread)
        if not found or showing not in found[0]["content"]:
            return None
        custom_ids = [c.get("custom_id") for row in found[0]["components"] for c in row["components"]]
        return found[0] if layout.CANCEL_ID in custom_ids else None

    return processes.wait_for(ready, timeout=20, message=f"the cancel button in {thread}")


def wait_cancelled(fake: FakeDiscord, thread: int | str) -> dict[str, Any]:
    def cancelled() -> dict[str, Any] | None:
        shown = placeholder(fake, thread)
        return shown if shown["content"] == messages.CANCELLED else None

    return processes.wait_for(cancelled, timeout=10, message="the placeholder to say cancelled")


def edits_of(fake: FakeDiscord, message_id: str) -> list[Call]:
    return [c for c in fake.calls if c.method == "PATCH" and c.path.endswith(f"/messages/{message_id}")]


def assert_answered_in_time(fake: FakeDiscord, interaction: dict[str, Any]) -> None:
    """The click was acknowledged (a deferred update, nothing posted) within Discord's 3 seconds."""
    iid = int(interaction["id"])
    processes.wait_for(lambda: iid in fake.answered_interactions, timeout=3, message="the click's response")
    assert fake.answered_interactions[iid] - fake.interaction_sent[iid] < 3.0
    callback = next(c for c in fake.calls if c.path.startswith(f"/interactions/{iid}/"))
    assert isinstance(callback.json, dict) and callback.json["type"] == 6


def assert_stays_cancelled(fake: FakeDiscord, thread: int | str) -> None:
    """Watched for a while: all along, nothing but the placeholder posted and it shows "cancelled"
    without a button (no late edit lands); at the end the last edit says so too."""

    def cancelled() -> bool:
        posted = fake.bot_messages(thread)
        return len(posted) == 1 and posted[0]["content"] == messages.CANCELLED and not posted[0]["components"]

    assert_quiet(cancelled, QUIET_AFTER_CANCEL, "the placeholder alone, showing 'cancelled'")
    shown = placeholder(fake, thread)
    assert shown["content"] == messages.CANCELLED
    assert shown["components"] == []
    last = edits_of(fake, shown["id"])[-1]
    assert isinstance(last.json, dict) and last.json["content"] == messages.CANCELLED
    assert not [m for m in fake.bot_messages(thread) if m["content"].startswith(("## ", "⚠️"))]
    assert len(fake.bot_messages(thread)) == 1, "nothing but the placeholder was posted"


def job_status(redis_url: str, question_id: str) -> JobStatus | None:
    connection = redis.Redis.from_url(redis_url)
    try:
        return Job.fetch(question_id, connection=connection, serializer=JSONSerializer).get_status()
    finally:
        connection.close()


def question_of(redis_url: str, message_id: str) -> str:
    connection = redis.Redis.from_url(redis_url)
    try:
        found = questions.question_id(connection, "discord", message_id)
    finally:
        connection.close()
    assert found is not None
    return found


def test_the_asker_cancels_a_queued_question(
    bot: subprocess.Popen[bytes],
    discord_fake: FakeServer,
    env: dict[str, str],
    redis_url: str,
    sim: Sim,
    tmp_path: Path,
) -> None:
    fake = discord_fake.fake
    asked = discord_fake.run(fake.send_message(PROBLEM, mention_bot=True))
    thread = asked["id"]
    shown = wait_for_button(fake, thread, showing="Queued:")  # no worker yet: it stays queued
    question = question_of(redis_url, shown["id"])

    click = discord_fake.run(fake.click(shown["id"], layout.CANCEL_ID))
    assert_answered_in_time(fake, click)
    assert wait_cancelled(fake, thread)["components"] == [], "the button goes with the cancel"
    assert job_status(redis_url, question) == JobStatus.CANCELED
    assert fake.followups == [], "the asker's cancel needs no extra message"

    worker = processes.start(["worker"], env, log=tmp_path / "worker.log")  # would pick it up if queued
    try:
        assert_stays_cancelled(fake, thread)
    finally:
        processes.stop(worker)
    assert sim.stats()["generations_started"] == 0, "the cancelled job never ran"
    assert_safe_and_small(fake)


def test_a_run_still_going_cannot_undo_the_cancel(
    bot: subprocess.Popen[bytes], discord_fake: FakeServer, redis_url: str, settings: Settings
) -> None:
    """A run that was mid-answer when the asker cancelled (its stop command still on the way) edits
    nothing after the cancel: its progress is refused by the question's gate and it is told to stop,
    and its answer is never delivered."""
    fake = discord_fake.fake
    asked = discord_fake.run(fake.send_message(PROBLEM, mention_bot=True))
    thread = asked["id"]
    shown = wait_for_button(fake, thread, showing="Queued:")
    question_id = question_of(redis_url, shown["id"])
    connection = redis.Redis.from_url(redis_url)
    try:
        question = questions.load(connection, question_id)
        assert question is not None
        gate = runs.Gate(connection, question_id, runs.begin(connection, question_id, 60))
        reply = make_reply(question.target, settings)
        discord_fake.run(fake.click(shown["id"], layout.CANCEL_ID))
        wait_cancelled(fake, thread)
        with pytest.raises(worker.Superseded):
            worker._progress(reply, gate)(Progress("thinking", 120, 4.0))
        answered = worker.deliver(
            connection, question, gate, lambda: reply.error(ServerTimeout("late")), settings
        )
        assert not answered
    finally:
        connection.close()
    assert_stays_cancelled(fake, thread)


def test_only_the_asker_can_cancel(
    bot: subprocess.Popen[bytes],
    worker: subprocess.Popen[bytes],
    discord_fake: FakeServer,
    sim: Sim,
) -> None:
    fake = discord_fake.fake
    sim.faults(tokens_per_second=150)  # a few seconds of generation: time for Bob's click
    asked = discord_fake.run(fake.send_message(PROBLEM, mention_bot=True))
    thread = asked["id"]
    shown = wait_for_button(fake, thread)

    click = discord_fake.run(fake.click(shown["id"], layout.CANCEL_ID, author=BOB))
    assert_answered_in_time(fake, click)
    processes.wait_for(lambda: fake.followups, timeout=10, message="the reply to Bob")
    (reply,) = fake.followups
    assert reply["content"] == texts.CANCEL_REFUSED["not_yours"]
    assert reply["flags"] & 64, "only Bob sees it"
    assert reply["id"] not in {m["id"] for m in fake.bot_messages(thread)}

    head = answered(fake, thread)[0]
    assert head["content"].startswith("## Final answer: 70"), "Bob's click cancelled nothing"
    shown = [c["custom_id"] for row in head["components"] for c in row["components"]]
    assert shown == [layout.VOTE_ID], "the answer carries no cancel button, only the vote's"
    assert sim.stats()["clients_disconnected"] == 0
    assert_safe_and_small(fake)


def test_a_click_that_races_the_answer_cancels_nothing(
    bot: subprocess.Popen[bytes], worker: subprocess.Popen[bytes], discord_fake: FakeServer
) -> None:
    fake = discord_fake.fake
    asked = discord_fake.run(fake.send_message(PROBLEM, mention_bot=True))
    with_button = dict(wait_for_button(fake, asked["id"]))
    head = answered(fake, asked["id"])[0]

    # clicked just before the answer's edit reached Discord: the click still carries the button
    discord_fake.run(fake.click(head["id"], layout.CANCEL_ID, seen=with_button))
    processes.wait_for(lambda: fake.followups, timeout=10, message="the reply to the click")
    assert fake.followups[0]["content"] == texts.CANCEL_REFUSED["finished"]
    assert placeholder(fake, asked["id"])["content"].startswith("## Final answer: 70")


def test_the_asker_cancels_a_running_question(
    bot: subprocess.Popen[bytes],
    worker: subprocess.Popen[bytes],
    discord_fake: FakeServer,
    sim: Sim,
    redis_url: str,
    tmp_path: Path,
) -> None:
    fake = discord_fake.fake
    sim.faults(tokens_per_second=30)  # about 15 s of generation
    asked = discord_fake.run(fake.send_message(PROBLEM, mention_bot=True))
    thread = asked["id"]
    shown = wait_for_button(fake, thread, showing=" tokens · ")  # streaming, progress with the button
    assert sim.stats()["in_flight"] == 1
    question = question_of(redis_url, shown["id"])

    click = discord_fake.run(fake.click(shown["id"], layout.CANCEL_ID, author=ALICE))
    assert_answered_in_time(fake, click)
    wait_cancelled(fake, thread)
    processes.wait_for(
        lambda: sim.stats()["clients_disconnected"] >= 1, timeout=10, message="the generation to stop"
    )
    assert sim.stats()["in_flight"] == 0
    assert_stays_cancelled(fake, thread)
    assert job_status(redis_url, question) == JobStatus.CANCELED  # RQ's view: canceled, not a failure
    assert_safe_and_small(fake)
