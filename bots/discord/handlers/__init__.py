"""Gateway events → questions, one module per kind of event: `messages` (mentions, thread follow-ups,
DMs), `solve` (the /solve command) and `clicks` (the buttons); `context` holds what they share."""

from bots.discord.handlers.clicks import on_cancel, on_retry, on_vote, show_cancelled
from bots.discord.handlers.context import Context
from bots.discord.handlers.messages import on_message, question_text
from bots.discord.handlers.solve import on_solve

__all__ = [
    "Context",
    "on_cancel",
    "on_message",
    "on_retry",
    "on_solve",
    "on_vote",
    "question_text",
    "show_cancelled",
]
