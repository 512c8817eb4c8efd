"""Admission control: questions in flight and per hour, per asker and per channel, and a queue cap.

In-flight questions are members of a sorted set per scope, scored by when they would expire on
their own (so a question lost with its worker stops counting after the job timeout). The hourly
count is a fixed one-hour window. Admission is one atomic step (a Lua script): a refused question
costs nothing, and questions asked at once cannot overrun a limit or the queue cap together.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis

from mathbot import keys, messages, platforms
from mathbot.errors import Busy, LimitReached
from mathbot.jobs import Question
from mathbot.settings import Settings

PREFIX = keys.LIMITS


@dataclass(frozen=True)
class Scope:
    name: str
    key: str
    in_flight: int
    per_hour: int


def scopes(question: Question, settings: Settings) -> list[Scope]:
    """The limits that apply to a question (the console has no asker id and no channel: only the queue's)."""
    target = question.target
    found = []
    if target.user:
        found.append(
            Scope("user", f"{target.platform}:{target.user}", settings.user_in_flight, settings.user_per_hour)
        )
    if platforms.get(target.platform).chat:
        found.append(
            Scope(
                "channel",
                f"{target.platform}:{target.channel}",
                settings.channel_in_flight,
                settings.channel_per_hour,
            )
        )
    return found


RESERVATION_SECONDS = 30
"""How long an admitted question holds its place in the queue before its job is on the list (a few
milliseconds normally; a process that dies in between gives the place back after this)."""

_ADMIT = """
local now, expires, id = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local max_queue, samples, reserve_until = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('LLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2]) >= max_queue then
  return {'busy', 0}
end
local scopes = (#KEYS - 2) / 2
for i = 1, scopes do
  local flight, hourly = KEYS[1 + 2 * i], KEYS[2 + 2 * i]
  redis.call('ZREMRANGEBYSCORE', flight, '-inf', now)
  local count = redis.call('ZCARD', flight)
  if not redis.call('ZSCORE', flight, id) then count = count + 1 end
  if count > tonumber(ARGV[5 + 2 * i]) then return {'flight', i} end
  if (tonumber(redis.call('GET', hourly)) or 0) + samples > tonumber(ARGV[6 + 2 * i]) then
    return {'hour', i}
  end
end
for i = 1, scopes do
  local flight, hourly = KEYS[1 + 2 * i], KEYS[2 + 2 * i]
  redis.call('ZADD', flight, expires, id)
  redis.call('EXPIRE', flight, math.ceil(expires - now))
  redis.call('INCRBY', hourly, samples)
  redis.call('EXPIRE', hourly, 3600)
end
redis.call('ZADD', KEYS[2], reserve_until, id)
return {'ok', 0}
"""
"""Admission as one atomic step: the queue cap (waiting jobs + reserved places), then every scope's
in-flight and hourly limits; only when all pass are the marks written and a place reserved."""


def admit(connection: redis.Redis, question: Question, settings: Settings, queue_key: str) -> None:
    """Count the question in and reserve its place on the list `queue_key`, or raise `Busy` /
    `LimitReached` with a message that says what to do.

    One Lua script, so questions asked at the same moment cannot all pass a check that only one
    should pass; the caller pushes the job, then gives the reservation back (`unreserve`).
    """
    now = time.time()
    expires = now + settings.job_timeout * (1 + 1) + 600  # a retry after a lost worker, and some slack
    hour = int(now // 3600)
    found = scopes(question, settings)
    keys = [queue_key, _reserved(queue_key)]
    args: list[str | int | float] = [
        now,
        expires,
        question.id,
        settings.max_queue,
        question.sampling.samples,  # each sample is a full generation
        now + RESERVATION_SECONDS,
    ]
    for scope in found:
        keys += [f"{PREFIX}flight:{scope.name}:{scope.key}", f"{PREFIX}hour:{scope.name}:{scope.key}:{hour}"]
        args += [scope.in_flight, scope.per_hour]
    verdict, index = connection.register_script(_ADMIT)(keys=keys, args=args)
    verdict = verdict.decode() if isinstance(verdict, bytes) else verdict
    if verdict == "busy":
        raise Busy(messages.BUSY)
    if verdict == "flight":
        scope = found[int(index) - 1]
        raise LimitReached(
            messages.too_many_in_flight(scope.name, scope.in_flight), detail=f"{scope.name}_in_flight"
        )
    if verdict == "hour":
        scope = found[int(index) - 1]
        raise LimitReached(
            messages.too_many_per_hour(scope.name, scope.per_hour), detail=f"{scope.name}_per_hour"
        )


def unreserve(connection: redis.Redis, question_id: str, queue_key: str) -> None:
    """The question's job is on the list (or will never be): its reserved place goes back."""
    connection.zrem(_reserved(queue_key), question_id)


def _reserved(queue_key: str) -> str:
    return f"{PREFIX}reserved:{queue_key}"


def release(connection: redis.Redis, question: Question, settings: Settings) -> None:
    """The question is over (answered, failed or cancelled): it no longer counts as in flight."""
    with connection.pipeline() as pipe:
        for scope in scopes(question, settings):
            pipe.zrem(f"{PREFIX}flight:{scope.name}:{scope.key}", question.id)
        pipe.execute()
