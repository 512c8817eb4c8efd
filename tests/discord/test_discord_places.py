"""Where mathbot answers when the obvious place does not work: channels where it lacks permissions or
that have no threads, archived threads, and questions that mention people with odd names.

`mathbot discord` on the fake Discord (whose channels carry real permission overwrites and whose REST
refuses what the bot's permissions do not allow), with a worker and the simulator where a test needs
an answer.
"""

from __future__ import annotations

import subprocess
from typing import Any

from bots.discord import texts
from tests.discord.conftest import FakeServer
from tests.discord.test_discord_flow import answered, assert_safe_and_small, thread_calls
from tests.fakes.discord import (
    CREATE_PUBLIC_THREADS,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
    FakeDiscord,
    snowflake,
    user,
)
from tests.support import processes
from tests.support.data import aime

PROBLEM = aime(1)["problem"]


def placeholders(fake: FakeDiscord, channel: int | str) -> list[dict[str, Any]]:
    """mathbot's messages in a channel, once there is one (its placeholder)."""
    return processes.wait_for(
        lambda: fake.bot_messages(channel), timeout=10, message=f"a placeholder in {channel}"
    )


def test_a_question_mentioning_someone_whose_name_has_a_backslash_is_asked(
    bot: subprocess.Popen[bytes], discord_fake: FakeServer
) -> None:
    """Mentions of other people become `@name` in the question; a name like `C:\\Users` must not
    break that (it once made the whole question fail silently)."""
    fake = discord_fake.fake
    carol = user(snowflake(), "carol") | {"global_name": "C:\\Users\\carol \\1"}
    asked = discord_fake.run(
        fake.send_message(f"<@{carol['id']}> asks: what is 2+2?", mention_bot=True, mentions=[carol])
    )
    placeholders(fake, asked["id"])  # the thread started from the message has its id
    (thread,) = thread_calls(fake)
    assert "asks: what is 2+2?" in thread.json["name"]


def test_a_mention_where_mathbot_cannot_write_in_threads_is_answered_in_the_channel(
    bot: subprocess.Popen[bytes], worker: subprocess.Popen[bytes], discord_fake: FakeServer
) -> None:
    """It may create threads but not send in them: no empty thread, the answer replies in the channel."""
    fake = discord_fake.fake
    channel = discord_fake.run(fake.add_channel("no-threads", deny=SEND_MESSAGES_IN_THREADS))
    asked = discord_fake.run(fake.send_message(PROBLEM, channel=channel, mention_bot=True))
    (head, *_) = answered(fake, channel)
    assert head["content"].startswith("## Final answer: 70")
    assert head["message_reference"]["message_id"] == asked["id"]
    assert thread_calls(fake) == []
    assert_safe_and_small(fake)


def test_a_mention_in_a_voice_channel_chat_is_answered_there(
    bot: subprocess.Popen[bytes], discord_fake: FakeServer
) -> None:
    """Voice channels have a text chat but no threads: Discord refuses the thread, mathbot replies."""
    fake = discord_fake.fake
    voice = discord_fake.run(fake.add_channel("study-room", kind=2))
    asked = discord_fake.run(fake.send_message("What is 2+2?", channel=voice, mention_bot=True))
    (placeholder,) = placeholders(fake, voice)
    assert placeholder["message_reference"]["message_id"] == asked["id"]


def test_slash_solve_where_mathbot_cannot_write_in_threads_is_answered_in_the_channel(
    bot: subprocess.Popen[bytes], worker: subprocess.Popen[bytes], discord_fake: FakeServer
) -> None:
    fake = discord_fake.fake
    channel = discord_fake.run(fake.add_channel("no-threads", deny=SEND_MESSAGES_IN_THREADS))
    interaction = discord_fake.run(fake.slash("solve", {"problem": PROBLEM}, channel=channel))
    messages = answered(fake, channel)
    assert messages[0]["id"] == interaction["response_message_id"], "the problem is posted first"
    assert messages[1]["content"].startswith("## Final answer: 70")
    assert thread_calls(fake) == []
    assert_safe_and_small(fake)


def test_slash_solve_where_mathbot_cannot_post_says_so_privately_at_once(
    bot: subprocess.Popen[bytes], discord_fake: FakeServer
) -> None:
    """The command works in every channel the asker may use it in, even where mathbot cannot post: the
    asker is told so, privately and in plain words, instead of seeing the problem and then nothing."""
    fake = discord_fake.fake
    for denied in (VIEW_CHANNEL, SEND_MESSAGES | CREATE_PUBLIC_THREADS):
        channel = discord_fake.run(fake.add_channel("read-only", deny=denied))
        interaction = discord_fake.run(fake.slash("solve", {"problem": PROBLEM}, channel=channel))
        iid = int(interaction["id"])
        processes.wait_for(
            lambda iid=iid: iid in fake.answered_interactions, timeout=3, message="the response"
        )
        callback = next(c for c in fake.calls if c.path.startswith(f"/interactions/{iid}/"))
        assert isinstance(callback.json, dict)
        assert callback.json["type"] == 4 and callback.json["data"]["flags"] & 64, "ephemeral"
        assert callback.json["data"]["content"] == texts.CANNOT_POST
        assert fake.bot_messages(channel) == [], "nothing visible, nothing queued"
    assert thread_calls(fake) == []
    assert_safe_and_small(fake)


def test_a_follow_up_in_an_archived_thread_is_answered_with_its_history(
    bot: subprocess.Popen[bytes], worker: subprocess.Popen[bytes], discord_fake: FakeServer
) -> None:
    """A thread archives itself after a day of silence; writing in it unarchives it (Discord sends
    THREAD_UPDATE first, and discord.py dropped the thread from its cache when it was archived)."""
    fake = discord_fake.fake
    asked = discord_fake.run(fake.send_message(PROBLEM, mention_bot=True))
    thread = int(asked["id"])
    answered(fake, thread)
    discord_fake.run(fake.archive(thread))

    discord_fake.run(fake.send_message("Why must b+7 divide 56?", channel=thread))
    messages = answered(fake, thread, count=2)
    assert "2 previous" not in messages[-1]["content"]
    assert not fake.channels[thread]["thread_metadata"]["archived"]
    assert_safe_and_small(fake)
