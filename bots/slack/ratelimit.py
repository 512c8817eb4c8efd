"""A per-workspace budget for chat.update (Slack Tier 3), shared through Redis by every worker process.

A sliding window of the last 60 s of edits per team: a progress edit is allowed while fewer than
`per_minute` edits happened in the window and no 429 cool-down is running; final answers, errors and
the adapter's "queued" edit are always allowed but still counted, so progress yields to them.
"""

from __future__ import annotations

import uuid

import redis

WINDOW_SECONDS = 60
"""Slack's rate tiers are per minute."""

PREFIX = "mathbot:slack:edits:"
COOLDOWN_PREFIX = "mathbot:slack:cooldown:"

# KEYS: window zset, cool-down key. ARGV: window ms, limit, force (0/1), unique member.
_SPEND = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if ARGV[3] ~= '1' then
  if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
  if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window + 1000)
return 1
"""


class EditBudget:
    """The chat.update budget of one workspace (`team`; None shares one budget for unknown teams)."""

    def __init__(
        self, connection: redis.Redis, team: str | None, per_minute: int, window: int = WINDOW_SECONDS
    ) -> None:
        self.connection, self.per_minute, self.window = connection, per_minute, window
        self.key = PREFIX + (team or "-")
        self.cooldown_key = COOLDOWN_PREFIX + (team or "-")
        self._script = connection.register_script(_SPEND)

    def _spend(self, force: bool) -> bool:
        args = [self.window * 1000, self.per_minute, "1" if force else "0", uuid.uuid4().hex]
        return bool(self._script(keys=[self.key, self.cooldown_key], args=args))

    def try_spend(self) -> bool:
        """Take one progress edit; False when the workspace's budget is spent (skip this edit)."""
        return self._spend(force=False)

    def spend(self) -> None:
        """Count an edit that must happen anyway (final answer, error, "queued")."""
        self._spend(force=True)

    def cool_down(self, seconds: float) -> None:
        """After a 429: no progress edits in this workspace for `seconds` (Slack's Retry-After)."""
        self.connection.set(self.cooldown_key, 1, px=max(1, int(seconds * 1000)))

    def used(self) -> int:
        """Edits counted in the current window (for logs and tests)."""
        seconds, micros = self.connection.time()
        now_ms = seconds * 1000 + micros // 1000
        return int(self.connection.zcount(self.key, now_ms - self.window * 1000, "+inf"))
