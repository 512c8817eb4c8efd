"""Several inference servers behind one mathbot: generations spread by load, sick servers taken out.

`TGI_URL` may list several servers (one host with 8 GPUs = 8 servers). Every generation leases a
server for one attempt: the one with the fewest generations in flight across the whole fleet of
workers, counted in Redis. A lease is a member of the server's sorted set scored with its expiry (by
Redis' clock), refreshed while tokens arrive and removed when the attempt ends; a worker killed
mid-stream leaves a lease that expires on its own (HTTP timeout + SERVER_LEASE_GRACE), so the count
heals without anyone cleaning up.

A server that fails its health check (`GET /health` not 200) is taken out: a `down` mark in Redis that
no lease goes to while it lasts. When `TGI_URL` lists several servers, each `mathbot worker` runs a
background check of every server (`watch`), claimed in Redis so the whole fleet checks each server once
per SERVER_HEALTH_INTERVAL, which marks servers down and puts them back when they recover; a generation
that fails for a server's sake (refused, broken, stalled) also checks that server at once. The mark
expires after a few intervals, so a server nobody checks any more is tried again. When every server is
down, leases go to the least loaded anyway (the asker then hears that the server is unreachable, as
with one server).

A generation cut off by a dying server fails its attempt; `workers.generate` retries it, avoiding the
server that failed, so it restarts on another one and the asker still gets one answer.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.process
import os
import random
import signal
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import redis

from mathbot import defaults, errors, keys
from mathbot.settings import Settings
from workers import probe
from workers.inference import InferenceServer, label

log = logging.getLogger(__name__)

HEALTH_TIMEOUT = 5.0
"""Seconds a health check waits for `GET /health`."""

DOWN_INTERVALS = 3
"""A `down` mark lasts this many health-check intervals unless a check renews it."""

REFRESH_SECONDS = 10.0
"""How often a streaming generation refreshes its lease (at most)."""

# KEYS: n lease sets, then n down marks. ARGV: expiry (ms after now), lease id, avoided index (0: none),
# first index to look at (ties go to the first seen). Returns the chosen index (1-based).
_LEASE = """
local n = #KEYS / 2
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local all_down = true
for i = 1, n do
  if redis.call('EXISTS', KEYS[n + i]) == 0 then all_down = false end
end
local best, best_load, fallback = nil, nil, nil
for j = 0, n - 1 do
  local i = ((j + tonumber(ARGV[4]) - 1) % n) + 1
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now_ms)
  local load = redis.call('ZCARD', KEYS[i])
  if all_down or redis.call('EXISTS', KEYS[n + i]) == 0 then
    if i == tonumber(ARGV[3]) then
      fallback = i
    elseif best == nil or load < best_load then
      best, best_load = i, load
    end
  end
end
best = best or fallback
redis.call('ZADD', KEYS[best], now_ms + tonumber(ARGV[1]), ARGV[2])
return best
"""

# KEYS: the lease set. ARGV: expiry (ms after now), lease id.
_REFRESH = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
return redis.call('ZADD', KEYS[1], 'XX', 'CH', now_ms + tonumber(ARGV[1]), ARGV[2])
"""

# KEYS: lease sets. Returns, per set, the leases not yet expired.
_COUNT = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local out = {}
for i = 1, #KEYS do out[i] = redis.call('ZCOUNT', KEYS[i], '(' .. now_ms, '+inf') end
return out
"""


@dataclass(frozen=True)
class ServerState:
    """One server as the fleet sees it (for `/metrics`: mathbot_inference_server_up, _in_flight)."""

    server: str
    up: bool
    in_flight: int


class Lease:
    """One generation's claim on a server: refreshed while it streams, released when it ends."""

    def __init__(self, connection: redis.Redis, server: str, ident: str, ttl_ms: int) -> None:
        self.connection, self.key, self.ident, self.ttl_ms = (
            connection,
            keys.FLEET_LEASES + server,
            ident,
            ttl_ms,
        )
        self.refreshed = time.monotonic()

    def refresh(self) -> None:
        """Keep the lease alive (at most every REFRESH_SECONDS; cheap to call per token)."""
        now = time.monotonic()
        if now - self.refreshed < min(REFRESH_SECONDS, self.ttl_ms / 3000):
            return
        self.refreshed = now
        try:
            self.connection.eval(_REFRESH, 1, self.key, self.ttl_ms, self.ident)
        except redis.RedisError:
            log.warning("lease %s not refreshed", self.ident, exc_info=True)

    def release(self) -> None:
        try:
            self.connection.zrem(self.key, self.ident)
        except redis.RedisError:
            log.warning("lease %s not released (it expires by itself)", self.ident, exc_info=True)


class Fleet:
    """The servers of `TGI_URL` as one pool (see the module docstring); one per job."""

    def __init__(self, settings: Settings, connection: redis.Redis) -> None:
        self.settings, self.connection = settings, connection
        self.urls = settings.inference_urls
        self.labels = [label(url) for url in self.urls]
        self.profiles = probe.Profiles(connection)
        self.ttl_ms = int((settings.http_timeout + defaults.SERVER_LEASE_GRACE) * 1000)

    @contextlib.contextmanager
    def server(self, avoid: str | None = None) -> Iterator[InferenceServer]:
        """Lease the least loaded healthy server (not `avoid`, if another is up) for one attempt."""
        index, lease = self._lease(avoid)
        server = InferenceServer(self.settings, self.urls[index], profiles=self.profiles)
        server.heartbeat = lease.refresh
        try:
            yield server
        except (errors.ServerUnavailable, errors.ServerTimeout):
            if not self.check(self.urls[index]):  # it broke: out of the fleet until it recovers
                self.mark(self.labels[index], up=False)
            raise
        finally:
            lease.release()
            server.close()

    def _lease(self, avoid: str | None) -> tuple[int, Lease]:
        ident = uuid.uuid4().hex
        avoided = self.urls.index(avoid) + 1 if avoid in self.urls else 0
        start = random.randrange(len(self.urls)) + 1  # equal loads: spread, not all on the first
        lease_keys = [keys.FLEET_LEASES + name for name in self.labels]
        down_keys = [keys.FLEET_DOWN + name for name in self.labels]
        chosen = self.connection.eval(
            _LEASE, 2 * len(self.urls), *lease_keys, *down_keys, self.ttl_ms, ident, avoided, start
        )
        index = int(chosen) - 1  # type: ignore[arg-type]
        return index, Lease(self.connection, self.labels[index], ident, self.ttl_ms)

    def check(self, url: str) -> bool:
        """Ask the server itself: `GET /health` answers 200 (with the API key, for a server behind auth)."""
        key = self.settings.tgi_api_key.get_secret_value() if self.settings.tgi_api_key else None
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        try:
            response = httpx.get(url.rstrip("/") + "/health", headers=headers, timeout=HEALTH_TIMEOUT)
            return response.status_code == 200
        except httpx.HTTPError:
            return False

    def mark(self, server: str, *, up: bool) -> None:
        """Record a health check's verdict for every worker."""
        down_key = keys.FLEET_DOWN + server
        if up:
            if self.connection.delete(down_key):
                log.info("server=%s is healthy again: back in the fleet", server)
            return
        ttl = int(DOWN_INTERVALS * defaults.SERVER_HEALTH_INTERVAL * 1000)
        if self.connection.set(down_key, "1", px=ttl, get=True) is None:
            log.warning("server=%s fails its health check: out of the fleet until it recovers", server)

    def check_due(self) -> None:
        """One round of the background health check: each server this process is first to claim."""
        interval_ms = int(defaults.SERVER_HEALTH_INTERVAL * 1000)
        for url, server in zip(self.urls, self.labels, strict=True):
            if self.connection.set(keys.FLEET_CHECK + server, "1", px=interval_ms, nx=True):
                self.mark(server, up=self.check(url))

    def states(self) -> list[ServerState]:
        """Every server: up (no `down` mark) and generations in flight."""
        counts = self.connection.eval(_COUNT, len(self.labels), *(keys.FLEET_LEASES + s for s in self.labels))
        down = self.connection.mget([keys.FLEET_DOWN + s for s in self.labels])
        return [
            ServerState(server, mark is None, int(count))
            for server, mark, count in zip(self.labels, down, counts, strict=True)  # type: ignore[arg-type]
        ]


def watch(settings: Settings) -> multiprocessing.process.BaseProcess:
    """Start the background health check of every server: a process of its own, forked before the worker
    starts. Not a thread: RQ forks a work horse per question, and a horse forked while a thread held a
    lock (an SSL context being built, say) would wait for it forever."""
    parent = os.getpid()
    process = multiprocessing.get_context("fork").Process(
        target=_watch, args=(settings, parent), name="inference-health", daemon=True
    )
    process.start()
    return process


def _watch(settings: Settings, parent: int) -> None:
    from workers import liveness  # only in the checking process

    liveness.die_with_parent(parent)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    fleet = Fleet(settings, redis.Redis.from_url(settings.redis_url, socket_timeout=30))
    while True:
        try:
            fleet.check_due()
        except redis.RedisError:
            log.warning("health check round skipped: Redis unavailable", exc_info=True)
        time.sleep(defaults.SERVER_HEALTH_INTERVAL)
