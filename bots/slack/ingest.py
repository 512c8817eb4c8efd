"""The adapter's one path for every question: dedupe, placeholder, thread memory, enqueue, "queued".

Nothing slow happens here: Redis and RQ calls (blocking clients) run in worker threads through
`asyncio.to_thread`, Slack calls are async, and each question costs the adapter one chat.postMessage:
the placeholder is posted already saying "Queued: position N" (with its Cancel button), so no
chat.update (Slack's Tier 3, ~50 a minute for the whole workspace) is spent on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp
import redis
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack import blocks
from bots.slack.config import SlackConfig
from bots.slack.ratelimit import EditBudget
from mathbot import claims, defaults, messages, metrics, present, questions, queue, runs, threads
from mathbot.errors import MathbotError, QueueError
from mathbot.jobs import Question, ReplyTarget, Sampling, Turn
from mathbot.settings import Settings

log = logging.getLogger(__name__)

SLACK_ERRORS = (SlackApiError, aiohttp.ClientError, TimeoutError)
"""What a Slack call raises when Slack refuses it or cannot be reached (after the client's retries)."""


@dataclass(frozen=True)
class Ask:
    """A question as the adapter received it, with where to answer."""

    channel: str
    thread: str
    text: str
    user: str | None
    team: str | None
    turns: tuple[Turn, ...] | None = None
    """The exact conversation to ask again ("Try again"); None: the thread's history plus `text`."""
    samples: int = 1
    """Samples to draw at once; above 1 the majority's answer is shown ("Check with N samples")."""
    enterprise: str | None = None
    """The Enterprise Grid org of `team`, if any."""
    client: AsyncWebClient | None = None
    """The request's client, holding its workspace's token (Bolt's); None: the adapter's own."""


class Ingest:
    """Turns an `Ask` into a queued question with a visible placeholder in its thread."""

    def __init__(
        self, settings: Settings, config: SlackConfig, connection: redis.Redis, client: AsyncWebClient
    ) -> None:
        self.settings, self.config, self.connection, self.client = settings, config, connection, client

    async def claim(self, keys: Sequence[str]) -> bool:
        """True when none of `keys` was seen in the dedupe window (all are claimed either way)."""

        def claim_all() -> bool:
            fresh = [claims.claim(self.connection, k, defaults.DEDUPE_TTL) for k in keys]
            return all(fresh)

        first = await asyncio.to_thread(claim_all)
        if not first:
            metrics.duplicate("slack")
        return first

    async def forget(self, keys: Sequence[str]) -> None:
        """Give dedupe keys back: the question was not taken, so a redelivery may try again."""
        with contextlib.suppress(redis.RedisError):
            await asyncio.to_thread(claims.unclaim, self.connection, *keys)

    async def say(self, channel: str, thread: str, text: str, client: AsyncWebClient | None = None) -> None:
        """A short notice in the thread (empty or oversized question); best effort."""
        try:
            await (client or self.client).chat_postMessage(channel=channel, thread_ts=thread, text=text)
        except SLACK_ERRORS as exc:
            log.warning("channel=%s thread=%s notice not posted: %s", channel, thread, why(exc))

    async def submit(self, ask: Ask, dedupe_keys: Sequence[str] = ()) -> str | None:
        """Post the placeholder (already showing the queue position), enqueue; the question id, or None."""
        ids = f"channel={ask.channel} thread={ask.thread}"
        client = ask.client or self.client
        if ask.turns is None and not ask.text.strip():
            metrics.refused("slack", "empty")
            await self.say(ask.channel, ask.thread, messages.EMPTY_QUESTION, client)
            return None
        if len(ask.text) > defaults.MAX_QUESTION_CHARS:  # refused before it costs a placeholder
            refusal = messages.question_too_many_chars(len(ask.text), defaults.MAX_QUESTION_CHARS)
            metrics.refused("slack", "too_long")
            await self.say(ask.channel, ask.thread, refusal, client)
            return None
        first = await self._first_words(ask.channel)
        try:
            posted = await client.chat_postMessage(
                channel=ask.channel, thread_ts=ask.thread, text=first.text, blocks=first.blocks
            )
        except SLACK_ERRORS as exc:
            log.warning("%s placeholder not posted: %s", ids, why(exc))
            await self.forget(dedupe_keys)
            return None
        target = ReplyTarget(
            platform="slack",
            channel=ask.channel,
            thread=ask.thread,
            placeholder=posted["ts"],
            user=ask.user,
            team=ask.team,
            enterprise=ask.enterprise,
        )
        try:
            enqueued = await asyncio.to_thread(self._enqueue, target, ask)
        except MathbotError as exc:
            log.warning(
                "%s placeholder=%s not queued: %s %s", ids, target.placeholder, type(exc).__name__, exc.detail
            )
            await self._edit(
                target.channel, target.placeholder or "", blocks.error_message(exc, None), client=client
            )
            return None
        log.info(
            "%s placeholder=%s question=%s queued at position %d",
            ids,
            target.placeholder,
            enqueued.question_id,
            enqueued.position,
        )
        return enqueued.question_id

    async def _first_words(self, channel: str) -> blocks.Message:
        """The placeholder as first posted: "Queued: position N" with its Cancel button (N is the
        place the question will take: one more than the questions waiting now; a refusal by the
        queue edits it into the reason a moment later). If Redis cannot say, "Received — queueing…"."""

        def waiting() -> int:
            return queue.question_queue(self.settings, self.connection).count

        try:
            position = await asyncio.to_thread(waiting) + 1
        except redis.RedisError:
            return blocks.Message(present.RECEIVED)
        return blocks.pending(messages.queued(position), blocks.action_value(channel, ""))

    def _enqueue(self, target: ReplyTarget, ask: Ask) -> queue.Enqueued:
        """Blocking: the thread's history, RQ (which keeps the question for the buttons), then the
        thread memory (only once queued: a refused question must not linger in the conversation)."""
        assert target.placeholder
        key = threads.key_for(target)
        turn = Turn(role="user", content=ask.text)
        try:
            turns = (
                list(ask.turns) if ask.turns is not None else [*threads.history(self.connection, key), turn]
            )
            question = Question(target=target, turns=turns, sampling=Sampling(samples=ask.samples))
        except redis.RedisError as exc:
            raise QueueError(messages.QUEUE_DOWN, detail=type(exc).__name__) from exc
        enqueued = queue.enqueue(question, self.settings, self.connection)
        if ask.turns is None:
            try:
                threads.record(self.connection, key, turn)
            except redis.RedisError:
                log.warning(
                    "channel=%s thread=%s question not kept in thread memory", target.channel, target.thread
                )
        return enqueued

    async def cancel(
        self, channel: str, ts: str, user: str, client: AsyncWebClient | None = None
    ) -> queue.CancelOutcome:
        """Cancel the question of placeholder `ts` for `user` and make the placeholder say so, for good.

        All of it happens through the question's gate (`mathbot.runs`): an answer being shown finishes
        first (and the question counts as finished), and once the question is cancelled no progress
        edit or answer of any run follows the "cancelled" edit.
        """
        question = await asyncio.to_thread(questions.behind, self.connection, "slack", ts, channel=channel)
        if question is None:
            return "unknown"
        async with runs.Gate(self.connection, question.id).aturn() as standing:
            outcome: queue.CancelOutcome = "finished"
            if standing is runs.Standing.OPEN:
                outcome, _ = await asyncio.to_thread(
                    queue.cancel, question.id, self.settings, self.connection, by_user=user
                )
            if outcome == "cancelled":
                team = question.target.team
                await asyncio.to_thread(EditBudget(self.connection, team, self.config.edits_per_minute).spend)
                await self._edit(channel, ts, blocks.cancelled(), "cancelled edit", client)
        log.info(
            "channel=%s placeholder=%s question=%s cancel by user=%s: %s",
            channel,
            ts,
            question.id,
            user,
            outcome,
        )
        return outcome

    async def _edit(
        self,
        channel: str,
        ts: str,
        message: blocks.Message,
        what: str = "edit",
        client: AsyncWebClient | None = None,
    ) -> None:
        """Edit message `ts`; best effort (a failure is logged)."""
        try:
            await (client or self.client).chat_update(
                channel=channel, ts=ts, text=message.text, blocks=message.blocks
            )
        except SLACK_ERRORS as exc:
            log.warning("channel=%s placeholder=%s %s failed: %s", channel, ts, what, why(exc))


def why(exc: BaseException) -> str:
    """Slack's error code, or the kind of network failure: safe to log (no token in either)."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error"))
    return type(exc).__name__
