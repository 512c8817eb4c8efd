"""Discord fixtures: the fake Discord (REST + gateway) in a thread, and `mathbot discord` pointed at it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bots.discord.rest import RestClient
from tests.fakes.discord import GUILD_ID, TOKEN, FakeDiscord
from tests.support import processes
from tests.support.env import settings_env
from tests.support.servers import ThreadedApp
from tests.support.sim import Sim


class FakeServer:
    """The fake's state plus the thread its aiohttp app runs in."""

    def __init__(self, fake: FakeDiscord, server: ThreadedApp) -> None:
        self.fake, self.server = fake, server

    def run(self, coro: Any) -> Any:
        """Run one of the fake's coroutines (an injected event) on its loop and return the result."""
        return self.server.call(coro)


def start_fake(**options: Any) -> FakeServer:
    fake = FakeDiscord(**options)
    server = ThreadedApp(fake.app)
    fake.base_url = server.url
    server.start()
    return FakeServer(fake, server)


@pytest.fixture
def discord_fake() -> Iterator[FakeServer]:
    served = start_fake()
    yield served
    served.server.stop()


@pytest.fixture
def rest(discord_fake: FakeServer) -> Iterator[RestClient]:
    """The worker's REST client, pointed at the fake."""
    client = RestClient(discord_fake.fake.api_url, TOKEN)
    yield client
    client.close()


@pytest.fixture
def env(redis_url: str, sim: Sim, discord_fake: FakeServer) -> dict[str, str]:
    """The shared test environment plus Discord pointed at the fake (the worker fixture uses it too)."""
    return discord_env(redis_url, sim.url, discord_fake.fake)


def discord_env(redis_url: str, tgi_url: str, fake: FakeDiscord, **extra: str) -> dict[str, str]:
    return settings_env(
        redis_url,
        tgi_url,
        DISCORD_BOT_TOKEN=TOKEN,
        DISCORD_API_URL=fake.api_url,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        MATHBOT_DISCORD_GUILDS=str(GUILD_ID),
        **extra,
    )


def start_bot(env: dict[str, str], fake: FakeDiscord, log: Path) -> subprocess.Popen[bytes]:
    """`mathbot discord` in its own process, connected to the fake (READY and GUILD_CREATE sent)."""
    process = processes.start(["discord"], env, log=log)
    try:
        processes.wait_for(
            lambda: fake.sockets or process.poll() is not None, timeout=20, message="the bot to connect"
        )
    except AssertionError:
        processes.stop(process)
        raise AssertionError("bot did not connect:\n" + log.read_text(errors="replace")) from None
    if process.poll() is not None:
        raise AssertionError("bot exited:\n" + log.read_text(errors="replace"))
    return process


@pytest.fixture
def bot(env: dict[str, str], discord_fake: FakeServer, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    log = tmp_path / "discord.log"
    process = start_bot(env, discord_fake.fake, log)
    yield process
    processes.stop(process)
    print("---- mathbot discord log ----\n" + log.read_text(errors="replace")[-20000:])
