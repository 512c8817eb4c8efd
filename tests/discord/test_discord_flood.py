"""A flood by one person on Discord: 40 mentions in a moment while their in-flight limit is 3. The limit
holds, and the flood costs three threads with their placeholders and one reply saying why the rest were
not taken (it used to cost 40 threads, 40 placeholders and 40 edits, 37 of them refusals).

No worker runs: the three admitted questions stay queued, which counts as in flight.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter

import redis

from mathbot import messages
from mathbot.settings import Settings
from tests.discord.conftest import FakeServer
from tests.support.bench import settle
from tests.support.data import aime
from tests.support.processes import wait_for

FLOOD = 40


def test_a_flood_of_mentions_costs_three_threads_and_one_reply(
    bot: subprocess.Popen[bytes], discord_fake: FakeServer, redis_conn: redis.Redis, settings: Settings
) -> None:
    fake = discord_fake.fake
    problem = aime(1)["problem"]
    asked = [
        discord_fake.run(fake.send_message(f"{problem} (take {n})", mention_bot=True)) for n in range(FLOOD)
    ]
    limit = settings.user_in_flight
    wait_for(lambda: len(redis_conn.keys("rq:job:*")) == limit, 10, message="the admitted questions")
    settle(lambda: len(fake.calls), quiet=2.0, longest=20)

    routes = Counter(
        (c.method, re.sub(r"\d+", "N", c.path)) for c in fake.calls if c.path.startswith("/channels/")
    )
    assert routes[("POST", "/channels/N/messages/N/threads")] == limit, routes
    assert routes[("POST", "/channels/N/messages")] == limit + 1, "placeholders, and one reply"
    assert routes[("PATCH", "/channels/N/messages/N")] == limit, (
        "each placeholder says queued; no refusal edits"
    )
    assert len(redis_conn.keys("rq:job:*")) == limit
    replies = [m for m in fake.bot_messages(asked[0]["channel_id"]) if m.get("message_reference")]
    (reply,) = replies
    assert messages.too_many_in_flight("user", limit) in reply["content"]
    threaded = {c.path.split("/")[-2] for c in fake.calls if c.path.endswith("/threads")}
    refused = {m["id"] for m in asked} - threaded
    assert len(refused) == FLOOD - limit and reply["message_reference"]["message_id"] in refused
