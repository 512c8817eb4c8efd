"""Study fixtures: the fake Slack with forms and ephemerals (`StudySlack`), the Slack adapter served in a
thread against it, and the settings the study tests share (the shared problem sets as the bank)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from mathbot.settings import Settings
from tests.conftest import DATA_DIR
from tests.discord.conftest import FakeServer, start_bot
from tests.slack.conftest import slack_vars
from tests.slack.fake_slack import LIMIT_ERRORS
from tests.study.fake_discord_study import StudyDiscord
from tests.study.fake_slack_study import StudySlack
from tests.support import processes
from tests.support.servers import ThreadedApp

STUDY_VARS = {
    "MATHBOT_PROBLEM_BANK": str(DATA_DIR),
    "MATHBOT_SEED": "11",
    "MATHBOT_SLACK_EDITS_PER_MINUTE": "600",
}
"""Every study test: the shared sets as the problem bank, reproducible samples, no edit budget in the way."""


@pytest.fixture
def study_slack() -> Iterator[StudySlack]:
    """The fake Slack Web API with forms; after each test, no call may have broken Slack's limits."""
    fake = StudySlack()
    server = ThreadedApp(fake.app).start()
    fake.url = server.url
    yield fake
    server.stop()
    broken = [
        (c.method, c.response["error"])
        for c in fake.calls
        if c.response.get("error") in (*LIMIT_ERRORS, "invalid_arguments") and not c.injected
    ]
    assert not broken, f"calls Slack would refuse: {broken}"


def study_slack_vars(fake: StudySlack) -> dict[str, str]:
    return {**slack_vars(fake), **STUDY_VARS}  # type: ignore[arg-type]


@pytest.fixture
def slack_app(settings: Settings, redis_conn: redis.Redis) -> Iterator[ThreadedApp]:
    """`mathbot slack`'s HTTP app (Bolt + aiohttp), served in a thread like `mathbot slack` serves it."""
    from bots.slack.app import create_web_app

    server = ThreadedApp(lambda: create_web_app(settings)).start()
    yield server
    server.stop()


@pytest.fixture
def discord_fake() -> Iterator[FakeServer]:
    """The fake Discord with modals, member permissions, DMs and per-person records (`StudyDiscord`)."""
    fake = StudyDiscord()
    server = ThreadedApp(fake.app)
    fake.base_url = server.url
    server.start()
    yield FakeServer(fake, server)
    server.stop()


@pytest.fixture
def bot(env: dict[str, str], discord_fake: FakeServer, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`mathbot discord` in its own process, connected to the fake."""
    log = tmp_path / "discord.log"
    process = start_bot(env, discord_fake.fake, log)
    yield process
    processes.stop(process)
    print("---- mathbot discord log ----\n" + log.read_text(errors="replace")[-20000:])
