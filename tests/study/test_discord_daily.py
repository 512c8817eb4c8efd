"""The problem of the day on Discord: set by a member with Manage Channels (`/mathbot daily on`), posted by
a worker over REST as a channel message with a thread started from it, like /practice's."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis

from mathbot.settings import Settings
from mathbot.study import daily, practice
from tests.conftest import DATA_DIR, NO_DATA
from tests.discord.conftest import FakeServer, discord_env
from tests.fakes.discord import CHANNEL_ID
from tests.slack.flows import workers
from tests.study.conftest import STUDY_VARS
from tests.study.discord_flows import buttons, public_text
from tests.support.processes import wait_for
from tests.support.servers import ThreadedApp

pytestmark = pytest.mark.skipif(not DATA_DIR.is_dir(), reason=NO_DATA)


@pytest.fixture
def env(redis_url: str, sim: ThreadedApp, discord_fake: FakeServer) -> dict[str, str]:
    return discord_env(redis_url, sim.url, discord_fake.fake, **STUDY_VARS)


def test_the_problem_of_the_day_on_discord(
    bot: subprocess.Popen[bytes],
    discord_fake: FakeServer,
    settings: Settings,
    redis_conn: redis.Redis,
    env: dict[str, str],
    tmp_path: Path,
) -> None:
    fake = discord_fake.fake
    discord_fake.run(
        fake.command("mathbot", {"time": "07:00", "zone": "Asia/Tokyo", "weekly": True}, path=["daily", "on"])
    )
    wait_for(lambda: "every" in public_text(discord_fake), 10, message="the setting announced")
    assert "at 07:00 (Asia/Tokyo)" in public_text(discord_fake)
    setting = daily.load(redis_conn, "discord", str(CHANNEL_ID))
    assert setting is not None and setting.weekly and setting.team is not None

    soon = datetime.now(UTC) + timedelta(seconds=3)
    daily.schedule(redis_conn, settings, setting, daily.Slot(soon.date(), soon))
    with workers(env, tmp_path):
        post = wait_for(
            lambda: next((m for m in fake.public() if "Problem of the day ·" in m["content"]), None),
            30,
            message="it",
        )
        thread = wait_for(lambda: post.get("thread"), 10, message="its thread")["id"]
        found = wait_for(lambda: practice.at_thread(redis_conn, "discord", thread), 10, message="the record")
    assert found.daily and set(buttons(post)) == {"submit", "hint", "giveup"}
