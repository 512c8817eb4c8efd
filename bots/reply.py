"""The platform-agnostic reply interface a worker talks to, and the lookup from target to platform.

A worker never imports a chat SDK: it asks `reply_for(target)` for a `Reply` and calls its four
methods. Each platform implements them in `bots/<platform>/reply.py` as `make_reply(target, settings)`.
"""

from __future__ import annotations

import importlib
from typing import Protocol

from mathbot.errors import MathbotError
from mathbot.jobs import ReplyTarget
from mathbot.outcome import Answer, Progress
from mathbot.settings import Settings


class Reply(Protocol):
    """One question's conversation with the chat, seen from the worker.

    `progress` may be called often (the worker throttles to `progress_interval`); an implementation
    may coalesce further to respect platform rate limits. `answer` and `error` end the question:
    exactly one of them is called once per successful delivery, and each must be idempotent
    (a retried job calls it again with the same target: edit, don't post twice).
    """

    def placeholder(self, text: str) -> str | None:
        """Post the "queued…" message if the adapter did not; return its id for later edits."""
        ...

    def progress(self, progress: Progress) -> None:
        """Show where the generation is (phase, tokens, elapsed, snippet); best effort."""
        ...

    def answer(self, answer: Answer) -> None:
        """Deliver the final answer (or the truncated notice): replaces or follows the placeholder."""
        ...

    def error(self, error: MathbotError) -> None:
        """Tell the asker plainly that the question failed (error.user_message)."""
        ...


def reply_for(target: ReplyTarget, settings: Settings) -> Reply:
    """The Reply for a target's platform, imported lazily so a worker loads only what it needs."""
    module = importlib.import_module(f"bots.{target.platform}.reply")
    reply: Reply = module.make_reply(target, settings)
    return reply
