"""The console's Reply: the worker appends events to the question's stream; `mathbot ask` reads them."""

from __future__ import annotations

from dataclasses import asdict

import redis

from bots.console import events
from mathbot.errors import MathbotError
from mathbot.jobs import ReplyTarget
from mathbot.outcome import Answer, Progress
from mathbot.settings import Settings


class ConsoleReply:
    def __init__(self, target: ReplyTarget, connection: redis.Redis) -> None:
        self.channel, self.connection = target.channel, connection

    def placeholder(self, text: str) -> str | None:
        events.publish(self.connection, self.channel, "placeholder", {"text": text})
        return self.channel

    def progress(self, progress: Progress) -> None:
        events.publish(self.connection, self.channel, "progress", asdict(progress))

    def answer(self, answer: Answer) -> None:
        events.publish(self.connection, self.channel, "answer", asdict(answer))

    def error(self, error: MathbotError) -> None:
        events.publish(
            self.connection,
            self.channel,
            "error",
            {"kind": type(error).__name__, "message": error.user_message},
        )


def make_reply(target: ReplyTarget, settings: Settings) -> ConsoleReply:
    from mathbot.queue import connect

    return ConsoleReply(target, connect(settings))
