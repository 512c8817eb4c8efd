"""A per-workspace budget for chat.update (Slack Tier 3), shared through Redis by every worker process.

One sliding window of the last 60 s of edits per team, with three priorities:

- progress edits (`try_spend`) go while fewer than `per_minute` edits are in the window, no more than
  `burst` of them back to back (so they reach answers steadily, not in a rush each time the window
  frees), and no 429 cool-down runs; and fairly: with N answers wanting progress in a workspace, one
  message is edited again only after its share of the budget, N · 60 s / `per_minute`, so the answers
  that have shown nothing yet get the free edits first (50 answers at 40 a minute: every 75 s each);
- notices that say why an answer takes longer (`try_spend(urgent=True)`) may also use the headroom
  between `per_minute` and `hard`, Slack's own ~50 a minute, but never go beyond it;
- final answers and errors (`spend_within`) wait for a slot under `hard` (at most a bounded time,
  then go anyway): they never fail for a budget, and progress yields to them because they count.

`spend` counts an edit that happens regardless (the adapter's "cancelled" edit).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import redis

from mathbot import keys

WINDOW_SECONDS = 60
"""Slack's rate tiers are per minute."""

TIER3_PER_MINUTE = 50
"""chat.update's limit per workspace (Slack's Tier 3, "50+ per minute"): the hard ceiling."""

BURST = 5
"""Progress edits allowed back to back; beyond that they are spread at `per_minute`."""

SLOT_POLL_SECONDS = 0.25
"""How often a final answer waiting for a slot asks again."""

FAIR_ACTIVE_SECONDS = 30
"""A message that asked for a progress edit this recently counts as wanting one (for its fair share)."""

PREFIX = keys.SLACK_EDITS
COOLDOWN_PREFIX = keys.SLACK_COOLDOWN
WANTING_PREFIX = keys.SLACK_WANTING
LAST_EDIT_PREFIX = keys.SLACK_LAST_EDIT

# KEYS: window zset, cool-down key, wanting zset, last-edit zset.
# ARGV: window ms, limit (0: none), member, burst (0: none), burst window ms, obey cool-down (0/1),
#       message ('' : no fair share), fair active ms.
_SPEND = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local burst = tonumber(ARGV[4])
local message = ARGV[7]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if message ~= '' then
  local active = tonumber(ARGV[8])
  redis.call('ZADD', KEYS[3], now, message)
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - active)
  redis.call('PEXPIRE', KEYS[3], active + 1000)
  local last = redis.call('ZSCORE', KEYS[4], message)
  local gap = redis.call('ZCARD', KEYS[3]) * window / math.max(limit, 1)
  if last and now - tonumber(last) < gap then return 0 end
end
if ARGV[6] == '1' and redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if limit > 0 and redis.call('ZCARD', KEYS[1]) >= limit then return 0 end
if burst > 0 and redis.call('ZCOUNT', KEYS[1], now - tonumber(ARGV[5]), '+inf') >= burst then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window + 1000)
if message ~= '' then
  redis.call('ZADD', KEYS[4], now, message)
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - 10 * window)
  redis.call('PEXPIRE', KEYS[4], 10 * window)
end
return 1
"""


class EditBudget:
    """The chat.update budget of one workspace (`team`; None shares one budget for unknown teams)."""

    def __init__(
        self,
        connection: redis.Redis,
        team: str | None,
        per_minute: int,
        window: float = WINDOW_SECONDS,
        *,
        hard: int | None = None,
        burst: int = BURST,
    ) -> None:
        self.connection, self.per_minute, self.window = connection, per_minute, window
        self.hard = hard if hard is not None else max(TIER3_PER_MINUTE, per_minute)
        self.burst = min(burst, per_minute)
        self.key = PREFIX + (team or "-")
        self.cooldown_key = COOLDOWN_PREFIX + (team or "-")
        self.wanting_key = WANTING_PREFIX + (team or "-")
        self.last_edit_key = LAST_EDIT_PREFIX + (team or "-")
        self._script = connection.register_script(_SPEND)

    def _spend(self, limit: int, burst: int = 0, obey_cooldown: bool = True, message: str = "") -> bool:
        window_ms = int(self.window * 1000)
        burst_ms = window_ms * burst // max(1, self.per_minute)
        args: list[int | str] = [window_ms, limit, uuid.uuid4().hex, burst, burst_ms, int(obey_cooldown)]
        args += [message, FAIR_ACTIVE_SECONDS * 1000]
        keys = [self.key, self.cooldown_key, self.wanting_key, self.last_edit_key]
        return bool(self._script(keys=keys, args=args))

    def try_spend(self, urgent: bool = False, message: str = "") -> bool:
        """Take one progress edit (`urgent`: a notice, which may use the headroom up to `hard`);
        False when it must be skipped (the next one carries newer news). With `message` (the edited
        message's ts), the edit also waits for that message's fair share of the budget."""
        if urgent:
            return self._spend(self.hard)
        return self._spend(self.per_minute, self.burst, message=message)

    def spend(self) -> None:
        """Count an edit that happens anyway."""
        self._spend(0, obey_cooldown=False)

    def spend_within(self, max_wait: float, sleep: Callable[[float], None] = time.sleep) -> float:
        """Take a slot under `hard` for a final answer or error, waiting up to `max_wait` seconds for
        one (edits expire from the window, a cool-down ends); then count it anyway. Seconds waited."""
        started = time.monotonic()
        while not self._spend(self.hard):
            waited = time.monotonic() - started
            if waited >= max_wait:
                self.spend()
                break
            sleep(min(SLOT_POLL_SECONDS, max_wait - waited))
        return time.monotonic() - started

    def cool_down(self, seconds: float) -> None:
        """After a 429: no progress edits in this workspace for `seconds` (Slack's Retry-After)."""
        self.connection.set(self.cooldown_key, 1, px=max(1, int(seconds * 1000)))

    def used(self) -> int:
        """Edits counted in the current window (for logs and tests)."""
        seconds, micros = self.connection.time()
        now_ms = seconds * 1000 + micros // 1000
        return int(self.connection.zcount(self.key, now_ms - int(self.window * 1000), "+inf"))
