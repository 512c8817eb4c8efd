"""The platform-agnostic reply interface a worker talks to: one question's conversation with its chat.

A worker never imports a chat SDK: it asks `mathbot.platforms.reply_for(target)` for a `Reply` and
calls its five methods. Each platform implements them in `bots/<platform>/reply.py`. The worker checks
the question's gate (`mathbot.runs`) before every call: a Reply never has to ask whether its question
is still open, cancelled or taken over by another run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from mathbot.errors import MathbotError
from mathbot.outcome import Answer, Progress

if TYPE_CHECKING:
    from mathbot.study.cards import Card


class Reply(Protocol):
    """One question's messages in its chat, seen from the worker.

    `progress` may be called often (the worker throttles to `progress_interval`); an implementation
    may coalesce further to respect platform rate limits. `answer` and `error` end the question:
    one of them is called once per successful delivery, and each must be idempotent (a retried
    delivery calls it again with the same target: edit, don't post twice).
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

    def card(self, card: Card) -> str | None:
        """Deliver a study card (`mathbot.study.cards`): a private one (`card.private`) to the target's
        user only; otherwise in place of the placeholder when there is one (a study-mode answer), else
        as a new message in the thread, or, with `card.thread_name`, as a message of the channel that
        starts a thread of that name. Returns the id of the message posted (of the thread it started)."""
        ...
