"""Leaderboards in Redis: the order (solved, then first solves, then streak), the periods and scopes, kept
for good (all-time counts have no TTL), and shown by Discord's /leaderboard in the channel."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta

import pytest
import redis

from mathbot import keys
from mathbot.study import leaderboard, texts
from tests.discord.conftest import FakeServer, discord_env
from tests.fakes.discord import CHANNEL_ID, GUILD_ID
from tests.study.conftest import STUDY_VARS
from tests.support.processes import wait_for
from tests.support.servers import ThreadedApp

NOW = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture
def env(redis_url: str, sim: ThreadedApp, discord_fake: FakeServer) -> dict[str, str]:
    return discord_env(redis_url, sim.url, discord_fake.fake, **STUDY_VARS)


def solve(
    connection: redis.Redis, user: str, name: str, *, first: bool, days_ago: int = 0, channel: str = "C1"
) -> None:
    leaderboard.record_solve(
        connection,
        platform="discord",
        channel=channel,
        team="G1",
        user=user,
        name=name,
        first=first,
        when=NOW - timedelta(days=days_ago),
    )


def test_order_periods_scopes_and_persistence(redis_conn: redis.Redis) -> None:
    for days_ago in (20, 2, 1, 0):  # Ada: four solves, the last three on days in a row
        solve(redis_conn, "ada", "Ada", first=days_ago == 0, days_ago=days_ago)
    for days_ago in (9, 0, 0):  # Bob: three, two of them first
        solve(redis_conn, "bob", "Bob", first=True, days_ago=days_ago)
    solve(redis_conn, "cy", "Cy", first=False, channel="C2")  # another channel of the same server

    ranked = leaderboard.standings(redis_conn, "discord", "channel", "C1", "all", NOW)
    assert [(r.name, r.solved, r.first, r.streak) for r in ranked] == [("Ada", 4, 1, 3), ("Bob", 3, 3, 1)]
    week = leaderboard.standings(redis_conn, "discord", "channel", "C1", "week", NOW)
    assert [(r.name, r.solved) for r in week] == [("Ada", 3), ("Bob", 2)]  # the week began on Monday
    month = leaderboard.standings(redis_conn, "discord", "channel", "C1", "month", NOW)
    assert [(r.name, r.solved) for r in month] == [("Bob", 2), ("Ada", 2)]  # a tie: Bob has more firsts
    server = leaderboard.standings(redis_conn, "discord", "team", "G1", "all", NOW)
    assert [r.name for r in server] == ["Ada", "Bob", "Cy"]
    assert leaderboard.standings(redis_conn, "discord", "channel", "C2", "all", NOW)[0].name == "Cy"
    later = leaderboard.standings(redis_conn, "discord", "channel", "C1", "all", NOW + timedelta(days=2))
    assert [r.streak for r in later] == [0, 0]  # a day missed ends a streak

    forever = [k.decode() for k in redis_conn.keys(keys.STUDY + "board:*:all:*")]
    assert forever and all(redis_conn.ttl(k) == -1 for k in forever)
    assert all(redis_conn.ttl(k.decode()) > 0 for k in redis_conn.keys(keys.STUDY + "board:*:week:*"))


def test_discord_leaderboard_shows_the_order(
    bot: subprocess.Popen[bytes], discord_fake: FakeServer, redis_conn: redis.Redis
) -> None:
    now = datetime.now(UTC)
    for user, name, count in (("u1", "Ada", 1), ("u2", "Bob", 3), ("u3", "Cy", 2)):
        for n in range(count):
            leaderboard.record_solve(
                redis_conn,
                platform="discord",
                channel=str(CHANNEL_ID),
                team=str(GUILD_ID),
                user=user,
                name=name,
                first=n == 0,
                when=now,
            )
    discord_fake.run(discord_fake.fake.command("leaderboard", {"period": "all"}))
    board = wait_for(
        lambda: next((m for m in discord_fake.fake.public() if "Leaderboard" in m["content"]), None),
        10,
        message="it",
    )
    rows = [line for line in board["content"].splitlines() if " — " in line]
    assert [row.split(" — ")[0].lstrip("-# ") for row in rows] == ["1. Bob", "2. Cy", "3. Ada"]
    assert texts.board_title("channel", "all").split(" · ")[0] in board["content"]
