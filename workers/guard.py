"""Stop a stream the server will not stop: one well past its `max_tokens`, or one making no progress.

A server that ignores `max_tokens` (endless blank lines, a chain of thought that never closes) would
otherwise run until the job's 30-minute timeout. An honest server never sends more than `max_tokens`
tokens, and every delta that carries text carries at least one token, so counting text deltas (or the
server's own usage count, where it reports one) never stops an honest stream.
"""

from __future__ import annotations

from typing import Literal

from mathbot import defaults

Cut = Literal["", "overrun", "no progress"]


class Guard:
    """Follows one stream's deltas; `check` says when to stop it, and why."""

    def __init__(
        self, max_tokens: int, slack: int = defaults.OVERRUN_TOKENS, blank_limit: int = defaults.BLANK_TOKENS
    ) -> None:
        self.limit = max_tokens + slack
        self.blank_limit = blank_limit
        self.tokens = 0
        self.blank = 0

    def check(self, text: str, reported_tokens: int | None = None) -> Cut:
        """Account for one delta's `text` (and the server's token count so far, if it reports one)."""
        if text:
            self.tokens += 1
            self.blank = 0 if text.strip() else self.blank + 1
        if max(self.tokens, reported_tokens or 0) > self.limit:
            return "overrun"
        if self.blank >= self.blank_limit:
            return "no progress"
        return ""
