"""The problem of the day: per channel, a practice problem posted every day (or every week) at a time of
the channel's time zone, open until MATHBOT_PRACTICE_DEADLINE, then revealed in its thread.

Configured by a manager with `/mathbot daily on HH:MM TIMEZONE [set] [weekly]` (and `daily off`), kept
in Redis (`keys.STUDY` `daily:<platform>:<channel>`). Posted by RQ's own scheduling: each slot is one
job put on the queue with `Queue.enqueue_at` (`workers.study.post_daily`), which RQ's scheduler, run by
the workers (`with_scheduler=True`; one scheduler per queue holds its lock at a time), moves onto the
queue when it is due. Exactly once, whatever happens:

- a slot's job id is fixed (`mathbot-daily-<platform>-<channel>-<slot>`): scheduling it twice (the command
  run twice, a retried job) replaces the same job;
- the job claims its slot (`SET NX`, `study:daily:<platform>:<channel>:<slot>`) before posting: a second
  run of it (a retry after a lost worker, a copy scheduled by an older setting) posts nothing;
- the job carries the setting's version: after `daily off` or a new time, an old job does nothing;
- the job schedules the next slot before it posts, so a failed post never ends the series; scheduled jobs
  live in Redis, so they survive a restart of every worker (a slot missed while no worker ran is posted
  when one is back).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import redis
from pydantic import BaseModel

from mathbot import claims, keys, queue
from mathbot.settings import Settings
from mathbot.study import bank, texts

log = logging.getLogger(__name__)

JOB_TIMEOUT = 300
"""Seconds a daily post's job may take (it picks a problem and posts one message)."""

SLOT_CLAIM_TTL = 8 * 24 * 3600
"""Seconds a posted slot stays claimed (longer than a week: a weekly slot's copies all see it)."""


class Daily(BaseModel):
    """A channel's problem of the day."""

    platform: str
    channel: str
    team: str | None = None
    enterprise: str | None = None
    hour: int
    minute: int
    zone: str
    set_name: str | None = None
    weekly: bool = False
    weekday: int = 0
    """For a weekly problem: the day of the week (0 Monday) it is posted."""
    version: int = 1
    """Raised by every change: a job scheduled by an older setting does nothing."""

    def schedule(self) -> str:
        """`every day at 18:30 (Europe/Paris)`."""
        when = f"{self.hour:02d}:{self.minute:02d} ({self.zone})"
        if self.weekly:
            day = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[self.weekday]
            return f"every {day} at {when}"
        return f"every day at {when}"


@dataclass(frozen=True)
class Slot:
    """One posting of a channel's problem of the day: its local date and when it is due (UTC)."""

    day: date
    at: datetime


def _key(platform: str, channel: str) -> str:
    return f"{keys.STUDY}daily:{platform}:{channel}"


def parse_time(text: str) -> tuple[int, int] | None:
    """`18:30` → (18, 30); None for anything else."""
    hour, sep, minute = text.strip().partition(":")
    if not sep or not (hour.isdigit() and minute.isdigit() and len(minute) == 2):
        return None
    h, m = int(hour), int(minute)
    return (h, m) if 0 <= h < 24 and 0 <= m < 60 else None


def zone_of(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def next_slot(daily: Daily, after: datetime) -> Slot:
    """The first slot strictly after `after` (aware): today's time in the channel's zone if still to
    come, else the next day's (a weekly one: the next of its weekday)."""
    zone = ZoneInfo(daily.zone)
    local = after.astimezone(zone)
    day = local.date()
    while True:
        at = datetime(day.year, day.month, day.day, daily.hour, daily.minute, tzinfo=zone)
        if at > local and (not daily.weekly or day.weekday() == daily.weekday):
            return Slot(day, at.astimezone(UTC))
        day += timedelta(days=1)


def slot_of(daily: Daily, day: str) -> Slot:
    """The slot of a given local day (`YYYY-MM-DD`)."""
    local = date.fromisoformat(day)
    at = datetime(local.year, local.month, local.day, daily.hour, daily.minute, tzinfo=ZoneInfo(daily.zone))
    return Slot(local, at.astimezone(UTC))


def job_id(daily: Daily, slot: Slot) -> str:
    return f"mathbot-daily-{daily.platform}-{daily.channel}-{slot.day.isoformat()}"


def load(connection: redis.Redis, platform: str, channel: str) -> Daily | None:
    raw = connection.get(_key(platform, channel))
    try:
        return Daily.model_validate_json(raw) if raw else None
    except ValueError:
        return None


def schedule(connection: redis.Redis, settings: Settings, daily: Daily, slot: Slot) -> None:
    """Put the slot's job on RQ's schedule (the same job id every time: never twice)."""
    queue.schedule(
        settings,
        connection,
        slot.at,
        queue.DAILY_FUNC,
        daily.platform,
        daily.channel,
        slot.day.isoformat(),
        daily.version,
        job_id=job_id(daily, slot),
        job_timeout=JOB_TIMEOUT,
        description=f"{daily.platform}: problem of the day in {daily.channel} for {slot.day}",
    )
    log.info(
        "daily %s channel=%s slot %s scheduled at %s (version %d)",
        daily.platform,
        daily.channel,
        slot.day,
        slot.at.isoformat(),
        daily.version,
    )


def configure(
    connection: redis.Redis, settings: Settings, daily: Daily, *, now: datetime | None = None
) -> tuple[Daily, Slot]:
    """Keep the channel's setting (a new version of it) and schedule its next slot."""
    before = load(connection, daily.platform, daily.channel)
    daily = daily.model_copy(update={"version": (before.version + 1) if before else 1})
    now = now or datetime.now(UTC)
    if daily.weekly:
        daily = daily.model_copy(
            update={"weekday": next_slot(daily.model_copy(update={"weekly": False}), now).day.weekday()}
        )
    connection.set(_key(daily.platform, daily.channel), daily.model_dump_json())
    slot = next_slot(daily, now)
    schedule(connection, settings, daily, slot)
    return daily, slot


def disable(connection: redis.Redis, platform: str, channel: str) -> bool:
    """No more problems of the day here (a job already scheduled finds no setting and does nothing)."""
    return bool(connection.delete(_key(platform, channel)))


def due(connection: redis.Redis, platform: str, channel: str, day: str, version: int) -> Daily | None:
    """The setting a slot's job is to post for, once: None when the setting is gone or changed since
    the job was scheduled, or when the slot was already claimed (posted, or being posted)."""
    daily = load(connection, platform, channel)
    if daily is None or daily.version != version:
        log.info(
            "daily %s channel=%s slot %s: setting gone or changed; nothing to post", platform, channel, day
        )
        return None
    if not claims.claim(connection, f"study:daily:{platform}:{channel}:{day}", SLOT_CLAIM_TTL):
        log.info("daily %s channel=%s slot %s already posted", platform, channel, day)
        return None
    return daily


def release(connection: redis.Redis, platform: str, channel: str, day: str) -> None:
    """The slot's post failed: give its claim back (a retry of the job may post it)."""
    claims.unclaim(connection, f"study:daily:{platform}:{channel}:{day}")


def describe(daily: Daily, slot: Slot) -> str:
    """What `daily on` and `daily` say: when, from which set, the next one in the channel's time."""
    local = slot.at.astimezone(ZoneInfo(daily.zone))
    label = bank.set_label(daily.set_name) if daily.set_name else None
    return texts.daily_on(daily.schedule(), label, f"{local:%a %d %b %H:%M} ({daily.zone})")
