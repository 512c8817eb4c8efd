"""The evaluation's Reply: a worker appends each finished sample to its run's stream, which `mathbot
eval` reads. No progress (an evaluation counts samples, not tokens) and no reasoning: the status, the
final answer and the numbers the report needs. A delivery tried again appends the result again; the
run keeps the first one of each question."""

from __future__ import annotations

from typing import Any

import redis

from bots.eval import results
from mathbot.errors import MathbotError
from mathbot.jobs import ReplyTarget
from mathbot.outcome import Answer, Progress
from mathbot.settings import Settings
from mathbot.study.cards import Card


def status(answer: Answer) -> str:
    """How a sample ended: `answered`, `rescued` (answered under the token limit, the reasoning cut
    short) or `truncated` (no final answer within the budget); `failed` is an error's."""
    if answer.truncated:
        return "truncated"
    return "rescued" if answer.rescued else "answered"


class EvalReply:
    def __init__(self, target: ReplyTarget, connection: redis.Redis, ttl: int) -> None:
        self.run, self.connection, self.ttl = target.channel, connection, ttl
        self.question_id = target.placeholder or ""
        """The sample's question id (its slot in the run; the run matches results to samples by it)."""

    def placeholder(self, text: str) -> str | None:
        return self.question_id

    def progress(self, progress: Progress) -> None:
        """Nothing to show: the run reports samples as they finish."""

    def answer(self, answer: Answer) -> None:
        self._publish(
            {
                "status": status(answer),
                "final": answer.final if not answer.truncated else None,
                "tokens": answer.completion_tokens,
                "elapsed": round(answer.elapsed, 2),
                "finish_reason": answer.finish_reason,
            }
        )

    def error(self, error: MathbotError) -> None:
        self._publish({"status": "failed", "error": type(error).__name__, "message": error.user_message})

    def card(self, card: Card) -> str | None:
        """A study card holds no answer to grade (an evaluation's questions never ask for one): the
        sample is recorded as failed, with the card's headline."""
        self._publish({"status": "failed", "error": "StudyCard", "message": card.title})
        return None

    def _publish(self, body: dict[str, Any]) -> None:
        results.publish(self.connection, self.run, {"question": self.question_id, **body}, self.ttl)


def make_reply(target: ReplyTarget, settings: Settings) -> EvalReply:
    from mathbot.queue import connect

    return EvalReply(target, connect(settings), settings.result_ttl)
