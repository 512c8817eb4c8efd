""" "Try again" on Discord, end to end: the button on a truncated answer or a retryable error, clicked
through the fake gateway.

`mathbot discord` on the fake Discord, a real `mathbot worker`, real Redis and the TGI simulator, whose
faults make the first generation run out of room (`no_answer`) or fail (HTTP 503); the next one is normal.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from rq.job import Job
from rq.serializers import JSONSerializer

from bots.discord import layout, texts
from mathbot import messages
from tests.discord.conftest import FakeServer, discord_env, start_bot
from tests.discord.test_discord_cancel import (
    PROBLEM,
    assert_answered_in_time,
    edits_of,
    question_of,
    wait_for_button,
)
from tests.discord.test_discord_flow import ANSWER_TIMEOUT, assert_safe_and_small, sim_messages
from tests.fakes.discord import BOB, FakeDiscord, snowflake
from tests.support import processes
from tests.support.sim import Sim
from tests.support.waiting import assert_quiet

QUIET = 1.5
"""Seconds a click that must do nothing is watched for a new message."""


@pytest.fixture
def env(redis_url: str, sim: Sim, discord_fake: FakeServer) -> dict[str, str]:
    """The Discord test environment with a smaller token budget: a generation that runs out of room
    ends in a few seconds instead of streaming 16K tokens, and is not rescued."""
    return discord_env(
        redis_url,
        sim.url,
        discord_fake.fake,
        MATHBOT_MAX_TOTAL_TOKENS="6144",
        MATHBOT_MIN_ANSWER_TOKENS="4096",
        MATHBOT_RESCUE_RESERVE="0",  # no budget forcing: a truncated run stays truncated, the button's case
    )


def retry_ids(message: dict[str, Any]) -> list[str]:
    return [c.get("custom_id") for row in message["components"] for c in row["components"]]


def wait_for_retry(fake: FakeDiscord, channel: int | str, *, showing: str) -> dict[str, Any]:
    """Wait until a bot message in `channel` shows `showing` and carries "Try again"; returns it."""

    def ready() -> dict[str, Any] | None:
        for message in fake.bot_messages(channel):
            if showing in message["content"] and layout.RETRY_ID in retry_ids(message):
                return message
        return None

    return processes.wait_for(ready, timeout=ANSWER_TIMEOUT, message=f"a 'Try again' button in {channel}")


def wait_for_answer_after(fake: FakeDiscord, channel: int | str, old: dict[str, Any]) -> dict[str, Any]:
    """Wait for a final answer in a message posted after `old`; returns it."""

    def ready() -> dict[str, Any] | None:
        later = [m for m in fake.bot_messages(channel) if int(m["id"]) > int(old["id"])]
        done = [m for m in later if m["content"].startswith("## Final answer: 70")]
        return done[0] if done else None

    return processes.wait_for(ready, timeout=ANSWER_TIMEOUT, message=f"the new answer in {channel}")


def wait_followups(fake: FakeDiscord, count: int) -> dict[str, Any]:
    processes.wait_for(lambda: len(fake.followups) >= count, timeout=10, message="the reply to the click")
    return fake.followups[count - 1]


def payload(redis_url: str, question_id: str) -> dict[str, Any]:
    connection = redis.Redis.from_url(redis_url)
    try:
        job = Job.fetch(question_id, connection=connection, serializer=JSONSerializer)
        found: dict[str, Any] = job.args[0]
        return found
    finally:
        connection.close()


def assert_asked_again(redis_url: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    """The new message is a new question (its own id) with the old one's turns, target and asker."""
    first, second = question_of(redis_url, old["id"]), question_of(redis_url, new["id"])
    assert first != second
    before, after = payload(redis_url, first), payload(redis_url, second)
    assert after["turns"] == before["turns"]
    assert {**after["target"], "placeholder": None} == {**before["target"], "placeholder": None}
    assert after["target"]["placeholder"] == new["id"]


def test_the_asker_retries_a_truncated_answer_once(
    bot: subprocess.Popen[bytes],
    worker: subprocess.Popen[bytes],
    discord_fake: FakeServer,
    sim: Sim,
    redis_url: str,
) -> None:
    fake = discord_fake.fake
    sim.faults(no_answer=True)  # the first generation runs out of room; the next one is normal
    asked = discord_fake.run(fake.send_message(PROBLEM, mention_bot=True))
    thread = asked["id"]
    cut = wait_for_retry(fake, thread, showing=messages.TRUNCATED)
    assert cut["content"].startswith("## No final answer")
    assert cut == fake.bot_messages(thread)[0], "the button is on the answer's first message"
    assert layout.CANCEL_ID not in retry_ids(cut)

    # Bob's click: refused, only Bob sees it, nothing changes
    click = discord_fake.run(fake.click(cut["id"], layout.RETRY_ID, author=BOB))
    assert_answered_in_time(fake, click)
    refused = wait_followups(fake, 1)
    assert refused["content"] == texts.RETRY_REFUSED["not_yours"] == "Only the person who asked can retry."
    assert refused["flags"] & 64, "only Bob sees it"
    assert_quiet(lambda: len(fake.bot_messages(thread)), QUIET, "no new message after Bob's click")
    assert len(fake.bot_messages(thread)) == 1
    assert layout.RETRY_ID in retry_ids(fake.bot_messages(thread)[0]), "Alice can still retry"

    # Alice's click: a new question in the same thread, answered normally; the old button goes
    with_button = dict(fake.bot_messages(thread)[0])
    click = discord_fake.run(fake.click(cut["id"], layout.RETRY_ID))
    assert_answered_in_time(fake, click)
    answer = wait_for_answer_after(fake, thread, cut)
    assert answer["channel_id"] == thread
    assert answer["message_reference"]["message_id"] == cut["id"], "it says what it answers again"
    first_edit = edits_of(fake, answer["id"])[0].json
    assert isinstance(first_edit, dict) and first_edit["content"].startswith("Queued:"), "the normal path"
    old = fake.bot_messages(thread)[0]
    assert old["id"] == cut["id"] and old["components"] == [], "one click, one retry"
    assert old["content"] == cut["content"], "the truncated answer itself stays"
    assert_asked_again(redis_url, cut, answer)
    assert [m["role"] for m in sim_messages(sim)] == ["user"], "the same single-turn question"
    assert len(fake.followups) == 1, "the asker's retry needs no extra message"

    # a redelivered click and a second click (a client still showing the button) ask nothing again
    discord_fake.run(fake.redeliver_interaction(click))
    discord_fake.run(fake.click(cut["id"], layout.RETRY_ID, seen=with_button))
    assert wait_followups(fake, 2)["content"] == texts.RETRY_REFUSED["already"]

    def answers() -> int:
        return len([m for m in fake.bot_messages(thread) if m["content"].startswith("## ")])

    def activity() -> tuple[int, int, int]:
        return len(fake.followups), answers(), sim.stats()["generations_started"]

    assert_quiet(activity, QUIET, "nothing asked again")
    assert len(fake.followups) == 2
    assert answers() == 2
    assert sim.stats()["generations_started"] == 2
    assert_safe_and_small(fake)


def test_a_server_error_offers_try_again(
    bot: subprocess.Popen[bytes],
    worker: subprocess.Popen[bytes],
    discord_fake: FakeServer,
    sim: Sim,
    redis_url: str,
) -> None:
    fake = discord_fake.fake
    sim.faults(error_status=503, error_count=50)
    asked = discord_fake.run(fake.send_message(PROBLEM, mention_bot=True))
    thread = asked["id"]
    failed = wait_for_retry(fake, thread, showing="gave up")
    assert failed["content"].startswith("⚠️")
    sim.clear_faults()  # the server is back

    click = discord_fake.run(fake.click(failed["id"], layout.RETRY_ID))
    assert_answered_in_time(fake, click)
    answer = wait_for_answer_after(fake, thread, failed)
    assert fake.bot_messages(thread)[0]["components"] == []
    assert_asked_again(redis_url, failed, answer)
    assert fake.followups == []
    assert_safe_and_small(fake)


@pytest.fixture
def one_at_a_time(
    redis_url: str, sim: Sim, discord_fake: FakeServer, tmp_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """`mathbot discord` allowing one question in flight per asker."""
    env = discord_env(
        redis_url,
        sim.url,
        discord_fake.fake,
        MATHBOT_MAX_TOTAL_TOKENS="6144",
        MATHBOT_MIN_ANSWER_TOKENS="4096",
        MATHBOT_USER_IN_FLIGHT="1",
    )
    process = start_bot(env, discord_fake.fake, tmp_path / "discord.log")
    yield process
    processes.stop(process)
    print("---- mathbot discord log ----\n" + (tmp_path / "discord.log").read_text(errors="replace")[-20000:])


def test_a_refused_retry_keeps_the_button(
    one_at_a_time: subprocess.Popen[bytes],
    env: dict[str, str],
    discord_fake: FakeServer,
    sim: Sim,
    tmp_path: Path,
) -> None:
    fake = discord_fake.fake
    sim.faults(no_answer=True)
    worker = processes.start(["worker"], env, log=tmp_path / "worker.log")
    try:
        asked = discord_fake.run(fake.send_message(PROBLEM, mention_bot=True))
        thread = asked["id"]
        cut = wait_for_retry(fake, thread, showing=messages.TRUNCATED)
    finally:
        processes.stop(worker)

    # Alice has another question queued (no worker now): her retry is refused by the in-flight limit
    other = discord_fake.run(fake.send_message("What is 2+2?", mention_bot=True))
    queued = wait_for_button(fake, other["id"], showing="Queued:")
    discord_fake.run(fake.click(cut["id"], layout.RETRY_ID))
    said = nth_message(fake, thread, 1, showing="⚠️")
    assert said["content"] == layout.error_text(messages.too_many_in_flight("user", 1))
    assert said["components"] == [], "a refusal has nothing to cancel"
    assert layout.RETRY_ID in retry_ids(fake.bot_messages(thread)[0]), "the button stays for later"

    # once the other question is cancelled, the same button asks again
    discord_fake.run(fake.click(queued["id"], layout.CANCEL_ID))
    processes.wait_for(
        lambda: fake.bot_messages(other["id"])[0]["content"] == messages.CANCELLED,
        timeout=10,
        message="the other question to be cancelled",
    )
    discord_fake.run(fake.click(cut["id"], layout.RETRY_ID))
    again = nth_message(fake, thread, 2, showing="Queued:")
    assert layout.CANCEL_ID in retry_ids(again)
    assert fake.bot_messages(thread)[0]["components"] == []
    assert fake.followups == []


def nth_message(fake: FakeDiscord, channel: int | str, index: int, *, showing: str) -> dict[str, Any]:
    """Wait until the bot's message number `index` in `channel` starts with `showing`; returns it."""

    def ready() -> dict[str, Any] | None:
        found = fake.bot_messages(channel)
        return found[index] if len(found) > index and found[index]["content"].startswith(showing) else None

    return processes.wait_for(ready, timeout=10, message=f"message {index} in {channel}: {showing}")


def test_the_button_works_in_a_dm_after_the_adapter_restarts(
    env: dict[str, str],
    worker: subprocess.Popen[bytes],
    discord_fake: FakeServer,
    sim: Sim,
    redis_url: str,
    tmp_path: Path,
) -> None:
    fake, dm = discord_fake.fake, snowflake()
    sim.faults(no_answer=True)
    first = start_bot(env, fake, tmp_path / "discord-1.log")
    try:
        discord_fake.run(fake.send_message(PROBLEM, channel=dm))
        cut = wait_for_retry(fake, dm, showing=messages.TRUNCATED)
    finally:
        processes.stop(first)
    processes.wait_for(lambda: not fake.sockets, timeout=10, message="the first adapter to disconnect")

    second = start_bot(env, fake, tmp_path / "discord-2.log")
    try:
        click = discord_fake.run(fake.click(cut["id"], layout.RETRY_ID))
        assert_answered_in_time(fake, click)
        answer = wait_for_answer_after(fake, dm, cut)
        assert answer["channel_id"] == str(dm)
        assert texts.FOLLOW_UP_DM in answer["content"]
        assert fake.bot_messages(dm)[0]["components"] == []
        assert_asked_again(redis_url, cut, answer)
    finally:
        processes.stop(second)
        print((tmp_path / "discord-2.log").read_text(errors="replace")[-5000:])
    assert_safe_and_small(fake)
