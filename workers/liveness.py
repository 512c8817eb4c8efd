"""Liveness that survives bad clocks and killed workers: one clock (Redis') for RQ, horses that die with
their worker.

RQ scores a started job's heartbeat deadline, and judges it abandoned, with each worker's local clock:
a worker whose clock runs 90 s ahead would declare the healthy jobs of every other worker abandoned
and start them again. `use_redis_clock` makes RQ read one clock, Redis' `TIME`, in this process.

A work horse is a child of its worker; when the worker is SIGKILLed the horse would live on as an
orphan and go on editing a question that RQ has meanwhile started again. `die_with_parent` asks Linux
to kill the horse with its worker (`PR_SET_PDEATHSIG`); the fencing of `mathbot.runs` covers the rest.
RQ's scheduler is a child of its worker too: `Scheduler` dies with its worker the same way, instead of
living on for ever and holding the queues' scheduler locks.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import threading
import time

import redis
import rq.executions
import rq.registry
import rq.scheduler
import rq.worker.base

log = logging.getLogger(__name__)

CLOCK_REFRESH_SECONDS = 30.0
"""How often the offset between this host's clock and Redis' is measured again."""

PR_SET_PDEATHSIG = 1
"""prctl(2) option: the signal this process gets when its parent dies."""


class RedisClock:
    """Redis' time, read through an offset to the local clock (measured now and then, not per call)."""

    def __init__(self, connection: redis.Redis, refresh: float = CLOCK_REFRESH_SECONDS) -> None:
        self.connection, self.refresh = connection, refresh
        self.offset = 0.0
        self.measured = float("-inf")
        self._lock = threading.Lock()

    def measure(self) -> float:
        """Measure the offset (Redis time minus local time) now; returns it."""
        before = time.time()
        seconds, micros = self.connection.time()
        after = time.time()
        self.offset = seconds + micros / 1e6 - (before + after) / 2
        self.measured = time.monotonic()
        return self.offset

    def now(self) -> float:
        if time.monotonic() - self.measured > self.refresh:
            with self._lock:
                try:
                    self.measure()
                except redis.RedisError:
                    log.debug("Redis time unavailable; keeping the last offset", exc_info=True)
        return time.time() + self.offset

    def timestamp(self) -> int:
        """What RQ calls `current_timestamp()`: whole seconds since the epoch, by Redis' clock."""
        return int(self.now())


def use_redis_clock(connection: redis.Redis) -> RedisClock:
    """Make RQ's heartbeats and abandoned-job sweeps in this process use Redis' clock."""
    clock = RedisClock(connection)
    offset = clock.measure()
    if abs(offset) > 5:
        log.warning("this host's clock is %+.0f s off Redis' clock: RQ uses Redis' clock here", offset)
    for module in (rq.registry, rq.executions, rq.scheduler):
        module.current_timestamp = clock.timestamp  # type: ignore[attr-defined]
    return clock


def die_with_parent(parent: int) -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; False where that is not available.
    If the parent is already gone (it died before the request took effect), exit now."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if os.getppid() != parent:
        os._exit(1)
    return True


class Scheduler(rq.scheduler.RQScheduler):
    """RQ's scheduler process (forked from its worker, enqueues the jobs due: the problem of the day,
    practice deadlines), dying with its worker: a SIGKILLed worker's scheduler would otherwise live on
    as an orphan, its locks keeping every later worker's scheduler out."""

    def start(self) -> object:
        self._worker_pid = os.getpid()
        return super().start()

    def work(self) -> None:
        die_with_parent(self._worker_pid)
        super().work()


def schedulers_die_with_workers() -> None:
    """Make RQ's workers in this process start `Scheduler` (RQ builds its scheduler by this name)."""
    rq.worker.base.RQScheduler = Scheduler  # type: ignore[misc]
