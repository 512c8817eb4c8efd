"""Leaderboards: practice problems solved, first solves and the current streak, per channel and per
workspace (Slack) or server (Discord), over this week, this month and all time.

Kept in Redis for good (`keys.STUDY` `board:` sorted sets, `streak:` and `names:` hashes): all-time
counts never expire, weeks and months after 400 days; Redis persistence (AOF) keeps them over restarts.
Days, weeks (ISO, from Monday) and months are UTC. A streak is the number of days in a row, up to today
or yesterday, with at least one solve; a day missed ends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import redis

from mathbot import keys
from mathbot.study import cards, texts

Period = Literal["week", "month", "all"]
ScopeKind = Literal["channel", "team"]

PERIOD_TTL = 400 * 24 * 3600
"""Seconds a week's or month's counts are kept (a year of history, and a little more)."""

SHOWN = 10
"""Places a leaderboard shows."""


@dataclass(frozen=True)
class Row:
    user: str
    name: str
    solved: int
    first: int
    streak: int


def scopes(platform: str, channel: str, team: str | None) -> list[str]:
    """The boards a solve in `channel` counts on: the channel's, and its workspace's or server's."""
    found = [f"{platform}:channel:{channel}"]
    if team:
        found.append(f"{platform}:team:{team}")
    return found


def period_key(period: Period, day: date) -> str:
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"week:{year}-W{week:02d}"
    if period == "month":
        return f"month:{day:%Y-%m}"
    return "all"


def _board(scope: str, period: str, stat: str) -> str:
    return f"{keys.STUDY}board:{scope}:{period}:{stat}"


# KEYS: streak hash. ARGV: user, today (YYYY-MM-DD), yesterday.
_STREAK = """
local last = redis.call('HGET', KEYS[1], ARGV[1])
local day, count = nil, 0
if last then
  local bar = string.find(last, '|', 1, true)
  day, count = string.sub(last, 1, bar - 1), tonumber(string.sub(last, bar + 1))
end
if day == ARGV[2] then return count end
if day == ARGV[3] then count = count + 1 else count = 1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. count)
return count
"""


def record_solve(
    connection: redis.Redis,
    *,
    platform: str,
    channel: str,
    team: str | None,
    user: str,
    name: str,
    first: bool,
    when: datetime,
) -> None:
    """Count a solve by `user` (shown as `name`), and a first solve when `first`, on every board of
    the channel, for the week, the month and all time; the streak moves on to `when`'s day."""
    day = when.astimezone(UTC).date()
    script = connection.register_script(_STREAK)
    with connection.pipeline() as pipe:
        pipe.hset(f"{keys.STUDY}names:{platform}", user, name)
        for scope in scopes(platform, channel, team):
            for period in ("week", "month", "all"):
                key = period_key(period, day)  # type: ignore[arg-type]
                stats = ("solved", "first") if first else ("solved",)
                for stat in stats:
                    pipe.zincrby(_board(scope, key, stat), 1, user)
                    if key != "all":
                        pipe.expire(_board(scope, key, stat), PERIOD_TTL)
            script(
                keys=[f"{keys.STUDY}streak:{scope}"],
                args=[user, str(day), str(day - timedelta(days=1))],
                client=pipe,
            )
        pipe.execute()


def standings(
    connection: redis.Redis,
    platform: str,
    scope_kind: ScopeKind,
    scope_id: str,
    period: Period,
    now: datetime,
    limit: int = SHOWN,
) -> list[Row]:
    """The board's top `limit`: most solved first, then most first solves, then the longer streak."""
    day = now.astimezone(UTC).date()
    scope = f"{platform}:{scope_kind}:{scope_id}"
    key = period_key(period, day)
    solved = scored(connection.zrevrange(_board(scope, key, "solved"), 0, 4 * limit, withscores=True))
    if not solved:
        return []
    users = [user for user, _ in solved]
    firsts = connection.zmscore(_board(scope, key, "first"), users)
    streaks = connection.hmget(f"{keys.STUDY}streak:{scope}", users)
    names = connection.hmget(f"{keys.STUDY}names:{platform}", users)
    rows = [
        Row(
            user=user,
            name=_text(name) or user,
            solved=int(score),
            first=int(first or 0),
            streak=current_streak(_text(streak), day),
        )
        for (user, (_, score), first, streak, name) in zip(users, solved, firsts, streaks, names, strict=True)
    ]
    rows.sort(key=lambda r: (-r.solved, -r.first, -r.streak, r.name.lower()))
    return rows[:limit]


def scored(found: Any) -> list[tuple[str, float]]:
    """A sorted set's (member, score) pairs as text and numbers (redis-py returns bytes)."""
    return [(str(_text(member)), float(score)) for member, score in found or []]


def current_streak(stored: str | None, today: date) -> int:
    """Days in a row up to today or yesterday ("<last day>|<count>"); 0 once a day was missed."""
    if not stored or "|" not in stored:
        return 0
    last, _, count = stored.partition("|")
    try:
        last_day = date.fromisoformat(last)
    except ValueError:
        return 0
    return int(count) if (today - last_day).days <= 1 else 0


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


def card(rows: list[Row], scope_kind: ScopeKind, period: Period) -> cards.Card:
    """The leaderboard as a card (public: the channel asked to see it); names as plain words."""
    lines = [texts.board_row(i, r.name, r.solved, r.first, r.streak) for i, r in enumerate(rows, 1)]
    body = "\n".join(lines) if lines else texts.BOARD_EMPTY
    return cards.Card(texts.board_title(scope_kind, period), notes=(body, texts.BOARD_NOTE))
