"""`mathbot discord`'s GET /health and GET /metrics on MATHBOT_METRICS_PORT, and the worker's REST client
counting its calls: 200 while the gateway is connected, REST calls by route (429s apart), duplicates."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bots.discord.rest import RestClient
from mathbot import metrics
from tests.discord.conftest import FakeServer, discord_env, start_bot, start_fake
from tests.fakes.discord import CHANNEL_ID
from tests.support import processes
from tests.support.servers import free_port
from tests.support.sim import Sim

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def get(port: int, path: str) -> httpx.Response | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}{path}", timeout=5)
    except httpx.HTTPError:
        return None


def health(port: int) -> tuple[int, dict[str, Any]] | None:
    response = get(port, "/health")
    return (response.status_code, response.json()) if response is not None else None


def test_the_adapter_serves_health_and_counts_its_calls_by_route(
    redis_url: str, sim: Sim, tmp_path: Path
) -> None:
    discord_fake = start_fake()  # not the fixture: this test stops it itself
    fake, port = discord_fake.fake, free_port()
    env = discord_env(redis_url, sim.url, fake, MATHBOT_METRICS_PORT=str(port))
    bot, stopped = start_bot(env, fake, tmp_path / "discord.log"), False
    try:
        up = processes.wait_for(
            lambda: (h := health(port)) and h[0] == 200 and h, timeout=20, message="/health to say connected"
        )
        assert up == (200, {"ok": True, "gateway": True, "redis": True})
        asked = discord_fake.run(fake.send_message("What is 2 + 2?", mention_bot=True))
        discord_fake.run(fake.redeliver(asked))
        processes.wait_for(
            lambda: [
                c for c in fake.calls if c.method == "POST" and c.path.endswith(f"/{asked['id']}/messages")
            ],
            timeout=10,
            message="the placeholder",
        )
        samples = processes.wait_for(
            lambda: (
                (s := parse(get(port, "/metrics").text))  # type: ignore[union-attr]
                and s.get(("mathbot_duplicates_dropped_total", (("platform", "discord"),)))
                and s
            ),
            timeout=10,
            message="the duplicate counted",
        )
        calls = {
            dict(k[1])["method"]: v for k, v in samples.items() if k[0] == "mathbot_chat_api_calls_total"
        }
        assert calls.get("POST /channels/{id}/messages", 0) >= 1  # the placeholder
        assert calls.get("POST /channels/{id}/messages/{id}/threads", 0) == 1
        assert calls.get("PUT /applications/{id}/commands", 0) >= 1  # /solve registered at start
        assert not [m for m in calls if re.search(r"\d{5,}", m)], calls  # no ids, no tokens
        assert samples[("mathbot_duplicates_dropped_total", (("platform", "discord"),))] == 1.0

        discord_fake.server.stop()  # Discord goes away: the gateway is down
        stopped = True
        down = processes.wait_for(
            lambda: (h := health(port)) and h[0] == 503 and h, timeout=20, message="/health to say down"
        )
        assert down == (503, {"ok": False, "gateway": False, "redis": True})
    finally:
        processes.stop(bot)
        if not stopped:
            discord_fake.server.stop()


def test_the_workers_rest_client_counts_each_attempt_and_429s(
    discord_fake: FakeServer, rest: RestClient
) -> None:
    discord_fake.fake.rate_limit("POST", rf"/channels/{CHANNEL_ID}/messages", retry_after=0.05)
    before = parse(metrics.exposition()[0].decode())
    rest.create_message(str(CHANNEL_ID), "hello")  # the 429 is waited out, then the message is posted
    after = parse(metrics.exposition()[0].decode())
    labels = (("method", "POST /channels/{id}/messages"), ("platform", "discord"))

    def grew(name: str) -> float:
        return after.get((name, labels), 0.0) - before.get((name, labels), 0.0)

    assert grew("mathbot_chat_api_calls_total") == 2  # the 429, then the message
    assert grew("mathbot_chat_api_rate_limited_total") == 1
