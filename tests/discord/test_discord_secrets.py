"""A Discord run at DEBUG: neither the bot token nor any interaction token appears in the adapter's log
(discord.py logs webhook URLs, which carry interaction tokens, at DEBUG)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.discord.conftest import FakeServer, start_bot
from tests.discord.test_discord_flow import answered
from tests.fakes.discord import TOKEN
from tests.support import processes
from tests.support.data import aime


def test_no_token_in_a_debug_log(
    env: dict[str, str], discord_fake: FakeServer, worker: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    log = tmp_path / "discord-debug.log"
    bot = start_bot({**env, "MATHBOT_LOG_LEVEL": "DEBUG"}, discord_fake.fake, log)
    try:
        fake = discord_fake.fake
        interaction = discord_fake.run(fake.slash("solve", {"problem": aime(1)["problem"]}))
        iid = int(interaction["id"])
        processes.wait_for(lambda: iid in fake.answered_interactions, timeout=5, message="the response")
        answered(fake, interaction["response_message_id"])
    finally:
        processes.stop(bot)
    text = log.read_text(errors="replace")
    assert "/callback" in text, "the log is at DEBUG and covers the interaction"
    assert interaction["token"] not in text
    assert TOKEN not in text
