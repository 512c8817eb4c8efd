"""End to end: `mathbot discord` on the fake Discord, a `mathbot worker`, Redis and the TGI simulator."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from bots.discord import layout, texts
from tests.discord.conftest import FakeServer, discord_env, start_bot, start_fake
from tests.fakes.discord import (
    ALICE,
    BOT,
    CHANNEL_ID,
    OTHER_BOT,
    Call,
    FakeDiscord,
    snowflake,
)
from tests.support import processes
from tests.support.data import aime
from tests.support.sim import Sim
from tests.support.waiting import assert_quiet

ANSWER_TIMEOUT = 30


def thread_calls(fake: FakeDiscord) -> list[Call]:
    return [c for c in fake.calls if c.method == "POST" and c.path.endswith("/threads")]


def answered(fake: FakeDiscord, channel: int | str, count: int = 1) -> list[dict[str, Any]]:
    """Wait until `count` bot messages in the channel carry a final answer; returns the bot messages."""

    def ready() -> list[dict[str, Any]] | None:
        messages = fake.bot_messages(channel)
        heads = [m for m in messages if m["content"].startswith("## ")]
        done = len(heads) >= count and _files(messages).count("reasoning.md") >= count
        return messages if done else None

    return processes.wait_for(ready, timeout=ANSWER_TIMEOUT, message=f"{count} answer(s) in {channel}")


def _files(messages: list[dict[str, Any]]) -> list[str]:
    return [a["filename"] for m in messages for a in m.get("attachments", [])]


def assert_safe_and_small(fake: FakeDiscord) -> None:
    """Every message, edit and interaction response: no mentions allowed, within Discord's limits, and
    (as the fake resolves mentions the way Discord does) nobody notified."""
    calls = fake.message_calls()
    assert calls
    assert fake.pings == [], f"these would have been pinged: {fake.pings}"
    for call in calls:
        body = call.json or {}
        payload = body.get("data", body) if call.path.endswith("/callback") else body
        mentions = payload.get("allowed_mentions")
        assert mentions is not None, f"{call.method} {call.path} has no allowed_mentions"
        assert mentions.get("parse") == [], mentions
        assert not mentions.get("users") and not mentions.get("roles") and not mentions.get("replied_user")
        assert len(payload.get("content") or "") <= layout.CONTENT_LIMIT
        embeds = payload.get("embeds") or []
        assert len(embeds) <= 10
        assert sum(len(e.get("description", "")) + len(e.get("title", "")) for e in embeds) <= 6000
        assert len(call.files) <= 10


def sim_messages(sim: Sim) -> list[dict[str, str]]:
    return list(sim.stats()["last_chat_request"]["messages"])


def test_mention_is_answered_in_a_thread(
    bot: subprocess.Popen[bytes], worker: subprocess.Popen[bytes], discord_fake: FakeServer
) -> None:
    fake, problem = discord_fake.fake, aime(1)
    asked = discord_fake.run(fake.send_message(problem["problem"], mention_bot=True))

    messages = answered(fake, asked["id"])  # the thread started from a message has its id
    (thread,) = thread_calls(fake)
    assert thread.path == f"/channels/{CHANNEL_ID}/messages/{asked['id']}/threads"
    assert 1 <= len(thread.json["name"]) <= 100 and thread.json["name"].startswith("Find the sum")
    head = messages[0]
    assert head["content"].startswith("## Final answer: 70")
    assert head["edited_timestamp"], "the placeholder is edited into the answer"
    edits = [c.json["content"] for c in fake.calls if c.method == "PATCH" and c.path.endswith(head["id"])]
    assert edits[0].startswith("Queued:"), "the adapter says queued before the worker edits"
    assert edits[-1].startswith("## Final answer: 70"), "nothing overwrites the answer"
    assert "reasoning.md" in _files(messages)
    assert fake.bot_messages(CHANNEL_ID) == [], "nothing is posted in the channel itself"
    assert_safe_and_small(fake)


def test_slash_solve_answers_within_3_s_and_threads_the_answer(
    bot: subprocess.Popen[bytes], worker: subprocess.Popen[bytes], discord_fake: FakeServer
) -> None:
    fake, problem = discord_fake.fake, aime(1)
    interaction = discord_fake.run(fake.slash("solve", {"problem": problem["problem"]}))
    iid = int(interaction["id"])

    processes.wait_for(
        lambda: iid in fake.answered_interactions, timeout=3, message="the interaction response"
    )
    assert fake.answered_interactions[iid] - fake.interaction_sent[iid] < 3.0
    callback = next(c for c in fake.calls if c.path.endswith("/callback"))
    assert callback.json["type"] == 4
    assert not (callback.json["data"].get("flags") or 0) & 64, "the problem is posted visibly"
    assert "Find the sum of all integer bases" in callback.json["data"]["content"]

    post = interaction["response_message_id"]
    messages = answered(fake, post)
    (thread,) = thread_calls(fake)
    assert thread.path == f"/channels/{CHANNEL_ID}/messages/{post}/threads"
    assert messages[0]["content"].startswith("## Final answer: 70")
    assert not [c for c in fake.calls if c.path.startswith("/webhooks/") and c.method == "POST"], (
        "answers are thread messages, not interaction follow-ups"
    )
    assert_safe_and_small(fake)


def test_a_long_slash_problem_is_shown_in_an_embed(
    bot: subprocess.Popen[bytes], discord_fake: FakeServer
) -> None:
    fake = discord_fake.fake
    problem = "Let $a_1 = 1$ and $a_{n+1} = a_n + n$. " * 80 + "Find $a_{100}$."
    interaction = discord_fake.run(fake.slash("solve", {"problem": problem}))
    processes.wait_for(lambda: len(thread_calls(fake)) == 1, timeout=10, message="the thread")
    callback = next(c for c in fake.calls if c.path.endswith("/callback"))
    (embed,) = callback.json["data"]["embeds"]
    assert callback.json["data"]["content"] == "**Alice** asked:"
    assert 2000 < len(embed["description"]) <= 4096
    (thread,) = thread_calls(fake)
    assert thread.path.endswith(f"/messages/{interaction['response_message_id']}/threads")
    processes.wait_for(
        lambda: fake.bot_messages(interaction["response_message_id"]), timeout=10, message="the placeholder"
    )
    assert_safe_and_small(fake)


def test_follow_up_in_the_thread_carries_the_history(
    bot: subprocess.Popen[bytes],
    worker: subprocess.Popen[bytes],
    discord_fake: FakeServer,
    sim: Sim,
) -> None:
    fake, problem = discord_fake.fake, aime(1)
    asked = discord_fake.run(fake.send_message(problem["problem"], mention_bot=True))
    thread = int(asked["id"])
    answered(fake, thread)

    follow = discord_fake.run(fake.send_message("Why must b+7 divide 56?", channel=thread))
    messages = answered(fake, thread, count=2)

    sent = sim_messages(sim)
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[0]["content"].startswith(problem["problem"][:40])
    assert "\\boxed{70}" in sent[1]["content"] and "</think>" not in sent[1]["content"]
    assert sent[2]["content"].startswith("Why must b+7 divide 56?")
    second = [m for m in messages if m.get("message_reference", {}).get("message_id") == follow["id"]]
    assert second and second[0]["content"].startswith("## ")
    assert_safe_and_small(fake)


def test_direct_messages_are_answered_in_the_dm_and_a_reply_follows_up(
    bot: subprocess.Popen[bytes],
    worker: subprocess.Popen[bytes],
    discord_fake: FakeServer,
    sim: Sim,
) -> None:
    fake, problem = discord_fake.fake, aime(1)
    dm = snowflake()
    asked = discord_fake.run(fake.send_message(problem["problem"], channel=dm))

    messages = answered(fake, dm)
    assert messages[0]["content"].startswith("## Final answer: 70")
    assert messages[0]["message_reference"]["message_id"] == asked["id"]
    assert thread_calls(fake) == []
    assert texts.FOLLOW_UP_DM in messages[-1]["content"]
    assert [m["role"] for m in sim_messages(sim)] == ["user"]

    discord_fake.run(fake.send_message("Why 56?", channel=dm, reply_to=int(messages[0]["id"])))
    answered(fake, dm, count=2)
    assert [m["role"] for m in sim_messages(sim)] == ["user", "assistant", "user"]

    discord_fake.run(fake.send_message("What is 3+4?", channel=dm))  # not a reply: a fresh question
    answered(fake, dm, count=3)
    assert [m["role"] for m in sim_messages(sim)] == ["user"]
    assert_safe_and_small(fake)


def test_a_dm_reply_follows_up_its_own_conversation_only(
    bot: subprocess.Popen[bytes],
    worker: subprocess.Popen[bytes],
    discord_fake: FakeServer,
    sim: Sim,
) -> None:
    """Two problems in one DM: a Reply to the first one's answer carries the first problem only."""
    fake, dm = discord_fake.fake, snowflake()
    first, second = aime(1)["problem"], aime(2)["problem"]
    discord_fake.run(fake.send_message(first, channel=dm))
    answer_one = answered(fake, dm)[0]
    discord_fake.run(fake.send_message(second, channel=dm))
    answered(fake, dm, count=2)

    discord_fake.run(fake.send_message("Why 56?", channel=dm, reply_to=int(answer_one["id"])))
    heads = answered(fake, dm, count=3)
    sent = sim_messages(sim)
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[0]["content"].startswith(first) and second not in json.dumps(sent)

    follow_up_answer = [m for m in heads if m["content"].startswith("## ")][-1]
    discord_fake.run(fake.send_message("And 7?", channel=dm, reply_to=int(follow_up_answer["id"])))
    answered(fake, dm, count=4)
    sent = sim_messages(sim)
    assert [m["role"] for m in sent] == ["user", "assistant", "user", "assistant", "user"]
    assert second not in json.dumps(sent)
    assert_safe_and_small(fake)


def test_slash_solve_in_a_dm_is_answered_there_once(
    bot: subprocess.Popen[bytes], worker: subprocess.Popen[bytes], discord_fake: FakeServer
) -> None:
    fake, dm = discord_fake.fake, snowflake()
    interaction = discord_fake.run(fake.slash("solve", {"problem": aime(1)["problem"]}, channel=dm))
    discord_fake.run(fake.redeliver_interaction(interaction))

    messages = answered(fake, dm)
    assert messages[0]["id"] == interaction["response_message_id"], "the visible problem comes first"
    assert any(m["content"].startswith("## Final answer: 70") for m in messages)
    assert thread_calls(fake) == []
    assert len([c for c in fake.calls if c.path.endswith("/callback")]) == 1
    assert_safe_and_small(fake)


def test_redelivered_message_is_answered_once(
    bot: subprocess.Popen[bytes], worker: subprocess.Popen[bytes], discord_fake: FakeServer
) -> None:
    fake, problem = discord_fake.fake, aime(1)
    asked = discord_fake.run(fake.send_message(problem["problem"], mention_bot=True))
    discord_fake.run(fake.redeliver(asked))
    discord_fake.run(fake.redeliver(asked))

    answered(fake, asked["id"])

    def heads() -> list[dict[str, Any]]:
        return [m for m in fake.bot_messages(asked["id"]) if m["content"].startswith("## ")]

    assert_quiet(lambda: (len(thread_calls(fake)), len(heads())), 1.0, "room for a duplicate to show up")
    assert len(thread_calls(fake)) == 1
    assert len(heads()) == 1
    posts = [c for c in fake.calls if c.method == "POST" and c.path == f"/channels/{asked['id']}/messages"]
    assert len(posts) == 1, "one placeholder, and the whole answer fits in it"


def test_a_resumed_session_replaying_a_question_answers_it_once(
    bot: subprocess.Popen[bytes], worker: subprocess.Popen[bytes], discord_fake: FakeServer
) -> None:
    """The gateway drops the connection; discord.py RESUMEs and Discord replays the question's
    MESSAGE_CREATE: one thread, one answer, and the resumed session keeps working."""
    fake = discord_fake.fake
    asked = discord_fake.run(fake.send_message(aime(1)["problem"], mention_bot=True))
    answered(fake, asked["id"])
    discord_fake.run(fake.drop_connection(replay=[asked]))
    processes.wait_for(lambda: fake.resumes and fake.sockets, timeout=20, message="the RESUME")
    assert len(fake.identifies) == 1, "resumed, not identified anew"

    again = discord_fake.run(fake.send_message("What is 3+4?", mention_bot=True))
    answered(fake, again["id"])
    assert len(thread_calls(fake)) == 2
    heads = [m for m in fake.bot_messages(asked["id"]) if m["content"].startswith("## ")]
    assert len(heads) == 1
    assert_safe_and_small(fake)


def test_bots_and_itself_are_ignored_and_the_gateway_comes_from_rest(
    redis_url: str, sim: Sim, tmp_path: Path
) -> None:
    served = start_fake()
    fake = served.fake
    env = discord_env(redis_url, sim.url, fake)
    del env["DISCORD_GATEWAY_URL"]  # discord.py must learn the fake's gateway from GET /gateway/bot
    process = start_bot(env, fake, tmp_path / "discord.log")
    try:
        assert any(c.path == "/gateway/bot" for c in fake.calls)
        assert fake.ws_queries[0]["encoding"] == "json"
        served.run(fake.send_message("1+1?", author=OTHER_BOT, mention_bot=True))
        served.run(fake.send_message("1+1?", author=BOT, mention_bot=True))
        served.run(fake.send_message("What is 2+2?", author=ALICE, mention_bot=True))
        processes.wait_for(lambda: len(thread_calls(fake)) == 1, timeout=10, message="alice's thread")
        assert_quiet(lambda: len(thread_calls(fake)), 0.5, "no thread for the bots' messages")
        (thread,) = thread_calls(fake)
        assert thread.json["name"] == "What is 2+2?"
        assert len(fake.bot_messages(thread.path.split("/")[4])) == 1  # the placeholder only (no worker)
    finally:
        processes.stop(process)
        served.server.stop()


def test_without_the_message_content_intent_follow_ups_need_a_mention(
    redis_url: str, sim: Sim, tmp_path: Path
) -> None:
    served = start_fake(allow_privileged=False)
    fake = served.fake
    env = discord_env(redis_url, sim.url, fake)
    worker = processes.start(["worker"], env, log=tmp_path / "worker.log")
    process = start_bot(env, fake, tmp_path / "discord.log")
    try:
        processes.wait_for(lambda: len(fake.identifies) >= 2, timeout=20, message="a second IDENTIFY")
        assert fake.identifies[0]["intents"] & (1 << 15)
        assert not fake.identifies[-1]["intents"] & (1 << 15)
        processes.wait_for(lambda: fake.sockets, timeout=10, message="the reconnect")
        asked = served.run(fake.send_message(aime(1)["problem"], mention_bot=True))
        thread = int(asked["id"])
        messages = answered(fake, thread)
        assert texts.FOLLOW_UP_MENTION in messages[-1]["content"]

        silent = served.run(fake.send_message("and why 56?", channel=thread))  # arrives with empty content
        processes.wait_for(
            lambda: any(m["content"] == texts.MENTION_HINT for m in fake.bot_messages(thread)),
            timeout=10,
            message="the mention hint",
        )
        hint = next(m for m in fake.bot_messages(thread) if m["content"] == texts.MENTION_HINT)
        assert hint["message_reference"]["message_id"] == silent["id"]

        served.run(fake.send_message("and why 56?", channel=thread, mention_bot=True))
        answered(fake, thread, count=2)
        assert len(thread_calls(fake)) == 1, "a mention in its own thread is a follow-up there"
        assert_safe_and_small(fake)
    finally:
        processes.stop(process)
        processes.stop(worker)
        served.server.stop()
        print((tmp_path / "discord.log").read_text()[-5000:])


def test_server_errors_reach_the_thread_in_plain_words(
    bot: subprocess.Popen[bytes],
    worker: subprocess.Popen[bytes],
    discord_fake: FakeServer,
    sim: Sim,
) -> None:
    fake = discord_fake.fake
    sim.faults(error_status=503, error_count=20)
    asked = discord_fake.run(fake.send_message(aime(1)["problem"], mention_bot=True))
    thread = asked["id"]

    def failed() -> str | None:
        messages = fake.bot_messages(thread)
        return messages and messages[0]["content"].startswith("⚠️") and messages[0]["content"]

    text = processes.wait_for(failed, timeout=ANSWER_TIMEOUT, message="the error in the thread")
    assert "gave up" in text
    edits = [c.json["content"] for c in fake.calls if c.method == "PATCH"]
    assert any("Retrying" in e for e in edits), edits
    assert not re.search(r"Traceback|Exception|503", text)
    assert_safe_and_small(fake)


def test_a_wrong_token_exits_with_a_plain_error(
    redis_url: str, sim: Sim, discord_fake: FakeServer, tmp_path: Path
) -> None:
    env = {**discord_env(redis_url, sim.url, discord_fake.fake), "DISCORD_BOT_TOKEN": "not-the-token"}
    log = tmp_path / "discord.log"
    process = processes.start(["discord"], env, log=log)
    try:
        assert process.wait(timeout=20) == 1
    finally:
        processes.stop(process)
    text = log.read_text()
    assert "discord refused the bot token" in text and "not-the-token" not in text
