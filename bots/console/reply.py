"""The console's Reply: the worker appends events to the question's stream; `mathbot ask` reads them."""

from __future__ import annotations

import redis

from bots.console import stream, texts
from mathbot.errors import MathbotError
from mathbot.jobs import ReplyTarget
from mathbot.outcome import Answer, Progress, dump
from mathbot.settings import Settings
from mathbot.study.cards import Card


class ConsoleReply:
    def __init__(self, target: ReplyTarget, connection: redis.Redis) -> None:
        self.channel, self.connection = target.channel, connection

    def placeholder(self, text: str) -> str | None:
        stream.publish(self.connection, self.channel, "placeholder", {"text": text})
        return self.channel

    def progress(self, progress: Progress) -> None:
        stream.publish(self.connection, self.channel, "progress", dump(progress))

    def answer(self, answer: Answer) -> None:
        stream.publish(self.connection, self.channel, "answer", dump(answer))

    def card(self, card: Card) -> str | None:
        """A study card (a check's verdict) as an event: its words and verdict, no buttons or files."""
        body = {"title": card.title, "body": card.body, "notes": list(card.notes), "verdict": card.verdict}
        stream.publish(self.connection, self.channel, "card", body)
        return self.channel

    def error(self, error: MathbotError) -> None:
        body = {"kind": type(error).__name__, "message": error.user_message, "exit": texts.exit_code(error)}
        stream.publish(self.connection, self.channel, "error", body)


def make_reply(target: ReplyTarget, settings: Settings) -> ConsoleReply:
    from mathbot.queue import connect

    return ConsoleReply(target, connect(settings))
