"""Slack fixtures: the fake Web API, the adapter's HTTP app in a thread, settings pointing at both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from mathbot.settings import Settings
from tests.fakes.slack import BOT_TOKEN, LIMIT_ERRORS, FakeSlack
from tests.fakes.slack.signing import SIGNING_SECRET
from tests.support.env import settings_env
from tests.support.servers import ThreadedApp
from tests.support.sim import Sim


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """The fake Web API; after each test, no call may have broken Slack's message limits."""
    fake = FakeSlack()
    server = ThreadedApp(fake.app).start()
    fake.url = server.url
    yield fake
    server.stop()
    broken = [
        (c.method, c.response["error"])
        for c in fake.calls
        if c.response.get("error") in LIMIT_ERRORS and not c.injected
    ]
    assert not broken, f"calls Slack would refuse: {broken}"


def slack_vars(fake: FakeSlack) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url + "/api/",
    }


@pytest.fixture
def env(redis_url: str, sim: Sim, fake_slack: FakeSlack) -> dict[str, str]:
    """The root `env`, plus Slack credentials and the fake API (the `worker` fixture uses it too)."""
    return settings_env(redis_url, sim.url, **slack_vars(fake_slack))


@pytest.fixture
def slack_app(settings: Settings, redis_conn: redis.Redis) -> Iterator[ThreadedApp]:
    """The adapter's HTTP app (Bolt + aiohttp), served in a thread like `mathbot slack` serves it."""
    from bots.slack.app import create_web_app

    server = ThreadedApp(lambda: create_web_app(settings)).start()
    yield server
    server.stop()
