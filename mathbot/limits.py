"""Admission control: questions in flight and per hour, per asker and per channel, and a queue cap.

In-flight questions are members of a sorted set per scope, scored by when they would expire on
their own (so a question lost with its worker stops counting after the job timeout). The hourly
count is a fixed one-hour window. A refused question costs nothing: its marks are rolled back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis

from mathbot import keys, messages, platforms
from mathbot.errors import Busy, LimitReached, QueueError
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


def admit(connection: redis.Redis, question: Question, settings: Settings, queued: int) -> None:
    """Count the question in, or raise `Busy` / `LimitReached` with a message that says what to do."""
    if queued >= settings.max_queue:
        raise Busy(messages.BUSY)
    now = time.time()
    expires = now + settings.job_timeout * (1 + 1) + 600  # a retry after a lost worker, and some slack
    hour = int(now // 3600)
    taken: list[tuple[str, str, int]] = []
    try:
        for scope in scopes(question, settings):
            flight = f"{PREFIX}flight:{scope.name}:{scope.key}"
            hourly = f"{PREFIX}hour:{scope.name}:{scope.key}:{hour}"
            with connection.pipeline() as pipe:
                pipe.zremrangebyscore(flight, "-inf", now)
                pipe.zadd(flight, {question.id: expires})
                pipe.expire(flight, int(expires - now))
                pipe.zcard(flight)
                pipe.incr(hourly, question.sampling.samples)  # each sample is a full generation
                pipe.expire(hourly, 3600)
                _, _, _, in_flight, this_hour, _ = pipe.execute()
            taken.append((flight, hourly, question.sampling.samples))
            if in_flight > scope.in_flight:
                raise LimitReached(messages.too_many_in_flight(scope.name, scope.in_flight))
            if this_hour > scope.per_hour:
                raise LimitReached(messages.too_many_per_hour(scope.name, scope.per_hour))
    except (QueueError, redis.RedisError):
        _roll_back(connection, question.id, taken)
        raise


def _roll_back(connection: redis.Redis, question_id: str, taken: list[tuple[str, str, int]]) -> None:
    try:
        with connection.pipeline() as pipe:
            for flight, hourly, cost in taken:
                pipe.zrem(flight, question_id)
                pipe.decr(hourly, cost)
            pipe.execute()
    except redis.RedisError:
        pass  # they expire by themselves


def release(connection: redis.Redis, question: Question, settings: Settings) -> None:
    """The question is over (answered, failed or cancelled): it no longer counts as in flight."""
    with connection.pipeline() as pipe:
        for scope in scopes(question, settings):
            pipe.zrem(f"{PREFIX}flight:{scope.name}:{scope.key}", question.id)
        pipe.execute()
