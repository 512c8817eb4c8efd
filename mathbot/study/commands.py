"""The study commands as one set of calls: `/mathbot study on|off`, `/mathbot daily on HH:MM ZONE [set]
[weekly]`, `daily off`, `daily`, and the arguments of `/practice` and `/leaderboard`. Slack hands the
command's text to the parsers here; Discord's typed options call the same functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import redis

from mathbot.settings import Settings
from mathbot.study import bank, daily, leaderboard, modes, texts


@dataclass(frozen=True)
class Said:
    """A command's answer: its words, and whether the channel sees them or only the person who asked."""

    text: str
    public: bool = False


@dataclass(frozen=True)
class Where:
    """Where a command was used, by whom, and whether they manage the channel (the platform decides:
    Slack workspace admins and owners, Discord's Manage Channels)."""

    platform: str
    channel: str
    team: str | None
    enterprise: str | None
    manager: bool
    managers: str
    """Who the managers are, in words, for a refusal."""


def study(connection: redis.Redis, settings: Settings, where: Where, on: bool) -> Said:
    switched = modes.switch(
        connection,
        settings,
        where.platform,
        where.channel,
        on,
        allowed=where.manager,
        managers=where.managers,
    )
    return Said(switched.text, switched.public)


def daily_on(
    connection: redis.Redis,
    settings: Settings,
    where: Where,
    *,
    time: str,
    zone: str,
    set_name: str | None = None,
    weekly: bool = False,
    now: datetime | None = None,
) -> Said:
    if not where.manager:
        return Said(texts.not_allowed(where.managers))
    parsed = daily.parse_time(time)
    if parsed is None:
        return Said(texts.DAILY_BAD_TIME)
    if daily.zone_of(zone) is None:
        return Said(texts.daily_bad_zone(zone))
    found = bank.load(settings.problem_bank)
    if not len(found):
        return Said(texts.EMPTY_BANK)
    if set_name and not found.knows_set(set_name):
        return Said(texts.daily_unknown_set(set_name, list(found.sets())))
    setting = daily.Daily(
        platform=where.platform,
        channel=where.channel,
        team=where.team,
        enterprise=where.enterprise,
        hour=parsed[0],
        minute=parsed[1],
        zone=zone.strip(),
        set_name=set_name,
        weekly=weekly,
    )
    kept, slot = daily.configure(connection, settings, setting, now=now)
    return Said(daily.describe(kept, slot), public=True)


def daily_off(connection: redis.Redis, where: Where) -> Said:
    if not where.manager:
        return Said(texts.not_allowed(where.managers))
    if not daily.disable(connection, where.platform, where.channel):
        return Said(texts.DAILY_NONE)
    return Said(texts.DAILY_OFF, public=True)


def daily_status(connection: redis.Redis, where: Where, now: datetime | None = None) -> Said:
    found = daily.load(connection, where.platform, where.channel)
    if found is None:
        return Said(texts.DAILY_NONE)
    return Said(daily.describe(found, daily.next_slot(found, now or datetime.now(UTC))))


def mathbot(connection: redis.Redis, settings: Settings, where: Where, text: str) -> Said:
    """`/mathbot …` as text (Slack): study on|off, daily on HH:MM ZONE [set] [weekly], daily off, daily."""
    words = text.split()
    head = [w.lower() for w in words[:2]]
    if head in (["study", "on"], ["study", "off"]):
        return study(connection, settings, where, head[1] == "on")
    if head == ["daily"]:
        return daily_status(connection, where)
    if head == ["daily", "off"]:
        return daily_off(connection, where)
    if head == ["daily", "on"] and len(words) >= 4:
        rest = words[4:]
        weekly = any(w.lower() == "weekly" for w in rest)
        named = [w for w in rest if w.lower() not in ("weekly", "daily")]
        return daily_on(
            connection,
            settings,
            where,
            time=words[2],
            zone=words[3],
            set_name=named[0] if named else None,
            weekly=weekly,
        )
    return Said(texts.MATHBOT_USAGE)


def practice_args(text: str, settings: Settings) -> tuple[str | None, str | None]:
    """`/practice [set] [difficulty]`: a word naming a set of the bank is the set, any other the level."""
    found = bank.load(settings.problem_bank)
    set_name = difficulty = None
    for word in text.split():
        if set_name is None and found.knows_set(word):
            set_name = word
        elif difficulty is None:
            difficulty = word
    return set_name, difficulty


def board_args(text: str) -> tuple[leaderboard.ScopeKind, leaderboard.Period]:
    """`/leaderboard [week|month|all] [channel|workspace|server]` (this channel, this week by default)."""
    words = {w.lower() for w in text.split()}
    period: leaderboard.Period = "month" if "month" in words else "all" if words & {"all", "ever"} else "week"
    scope: leaderboard.ScopeKind = "team" if words & {"workspace", "server", "team"} else "channel"
    return scope, period
