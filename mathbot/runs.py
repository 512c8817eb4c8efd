"""Who may still speak for a question: its current run, and nobody once the question is over.

A question can be run more than once: RQ starts it again when its worker is lost, and a work horse
orphaned by a killed worker may live on beside the new run. Every run takes a fencing number when it
starts (`begin`); only the run holding the current number may edit or deliver, and a run that finds
itself superseded stops. Once a question is over ("delivered" or "cancelled", set once by `finish`),
nothing edits its messages again: not a late progress edit, not another run, not a retry.

The `Gate` of a question serialises every edit of its messages across processes (a Redis lock): the
worker's progress edits take it without waiting (a busy gate skips one progress update), its final
message and the adapter's "cancelled" or "queued" edits wait for it, bounded. Under the gate the
standing is checked before each edit, so a check and its edit can never be overtaken by a cancel or
by another run's answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Literal

import redis
from redis.lock import Lock

from mathbot import keys

log = logging.getLogger(__name__)

Outcome = Literal["delivered", "cancelled"]

LOCK_SECONDS = 120
"""A gate holder that died releases it after this long (one edit, or an answer with its images, is
far shorter); a final message waits at most FINAL_WAIT_SECONDS for it anyway."""

FINAL_WAIT_SECONDS = 30.0
"""How long a final message (answer, error, "cancelled") waits for an edit in flight to finish
before it goes anyway: a final message is never held back for long."""


class Standing(enum.Enum):
    """Where a run stands: it may edit; the question is over; another run has taken it over."""

    OPEN = "open"
    OVER = "over"
    SUPERSEDED = "superseded"


def begin(connection: redis.Redis, question_id: str, ttl: int) -> int:
    """Start a run of the question: its fencing number (1 for the first run, higher for each later one)."""
    key = keys.RUN + question_id
    with connection.pipeline() as pipe:
        pipe.incr(key)
        pipe.expire(key, ttl)
        number, _ = pipe.execute()
    return int(number)


def state(connection: redis.Redis, question_id: str) -> Outcome | None:
    """ "delivered" or "cancelled" once the question is over; None while it is open."""
    raw = connection.get(keys.STATE + question_id)
    value = raw.decode() if isinstance(raw, bytes) else raw
    return value if value in ("delivered", "cancelled") else None  # type: ignore[return-value]


# KEYS: state, run. ARGV: outcome, ttl, run number ('' : any run).
_FINISH = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if ARGV[3] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
return 1
"""


def finish(
    connection: redis.Redis, question_id: str, outcome: Outcome, ttl: int, *, run: int | None = None
) -> bool:
    """Mark the question over, atomically: False when it already was, or when `run` is no longer the
    current run (then someone else speaks for it)."""
    done = connection.eval(
        _FINISH, 2, keys.STATE + question_id, keys.RUN + question_id, outcome, ttl, "" if run is None else run
    )
    return bool(done)


class Gate:
    """The gate of one question's messages, as seen by one run (`run`) or by an adapter (`run=None`)."""

    def __init__(self, connection: redis.Redis, question_id: str, run: int | None = None) -> None:
        self.connection, self.question_id, self.run = connection, question_id, run
        # Not thread-bound: an adapter acquires and releases it from different worker threads.
        self._lock: Lock = connection.lock(keys.GATE + question_id, timeout=LOCK_SECONDS, thread_local=False)
        self._held = False

    def standing(self) -> Standing:
        """Whether this run may still edit the question's messages (one round trip)."""
        over, current = self.connection.mget(keys.STATE + self.question_id, keys.RUN + self.question_id)
        if over is not None:
            return Standing.OVER
        if self.run is not None and current is not None and int(current) != self.run:
            return Standing.SUPERSEDED
        return Standing.OPEN

    def acquire(self, wait: float) -> bool:
        """Take the gate, waiting up to `wait` seconds (0: only if it is free now)."""
        if wait > 0:
            self._held = bool(self._lock.acquire(blocking=True, blocking_timeout=wait))
        else:
            self._held = bool(self._lock.acquire(blocking=False))
        return self._held

    def release(self) -> None:
        if self._held:
            self._held = False
            with contextlib.suppress(redis.exceptions.LockError, redis.RedisError):
                self._lock.release()

    @contextlib.contextmanager
    def turn(self, wait: float = 0.0, *, final: bool = False) -> Iterator[Standing | None]:
        """Hold the gate for one edit and yield this run's standing; the edit happens only on OPEN.

        A progress edit (`final=False`) yields None when the gate is busy: skip that update. A final
        message waits up to `wait` seconds, then goes ahead even without the gate (a holder that died
        must not cost the answer) if the question is still open.
        """
        got = self.acquire(wait)
        try:
            yield self.standing() if got or final else None
        finally:
            self.release()

    @contextlib.asynccontextmanager
    async def aturn(self, wait: float = FINAL_WAIT_SECONDS) -> AsyncIterator[Standing]:
        """`turn(wait, final=True)` for an adapter's event loop (Redis calls run in a thread)."""
        await asyncio.to_thread(self.acquire, wait)
        try:
            yield await asyncio.to_thread(self.standing)
        finally:
            await asyncio.to_thread(self.release)

    def hold(self, wait: float = FINAL_WAIT_SECONDS) -> bool:
        """Take the gate for an edit that happens later (the adapter's "queued" edit); `release` after."""
        return self.acquire(wait)

    def finish(self, outcome: Outcome, ttl: int) -> bool:
        """Mark the question over (see `finish`): for this run only, when the gate belongs to a run."""
        return finish(self.connection, self.question_id, outcome, ttl, run=self.run)
