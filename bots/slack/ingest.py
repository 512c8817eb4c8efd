"""The adapter's one path for every question: dedupe, admission, placeholder, thread memory, enqueue.

Nothing slow happens here: Redis and RQ calls (blocking clients) run in worker threads through
`asyncio.to_thread`, Slack calls are async, and each question costs the adapter one chat.postMessage:
the placeholder is posted already saying "Queued: position N" (with its Cancel button), so no
chat.update (Slack's Tier 3, ~50 a minute for the whole workspace) is spent on it.

A question is counted in (its asker's and channel's limits, a place in the queue) before anything is
posted, so a refused one costs no placeholder and no edit: its asker is told privately
(chat.postEphemeral), at most once a minute. Forty mentions in a few seconds by someone with three
questions in flight get one "You already have 3 questions being answered…" note, not forty
placeholders edited into forty refusals. What is refused after its placeholder is up (Redis failing
in between) is edited into the refusal within the workspace's chat.update budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
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

REFUSAL_NOTICE_SECONDS = 60
"""A person refused again within this long hears nothing more (logged): one private notice, not one per
mention of a flood."""

REFUSAL_EDIT_WAIT_SECONDS = 10.0
"""How long a refusal edit of a placeholder waits for room in the workspace's chat.update budget."""


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
    ts: str | None = None
    """The message that asked (None: not a message, or the thread's own root): a refusal notice shows
    where it was typed, in the channel when the answer would have opened a thread under it."""


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

    async def submit(
        self,
        ask: Ask,
        dedupe_keys: Sequence[str] = (),
        root: Callable[[], Awaitable[str | None]] | None = None,
    ) -> str | None:
        """Count the question in (`queue.admit`), post its placeholder (already showing the queue
        position), enqueue; the question id, or None. `root` first posts the message whose thread the
        answer goes in (/solve's quote of the problem) and gives its ts (None: it could not, and the
        question is dropped); only an admitted question gets one. A refused question gets no message,
        only its asker's private notice (`_refuse`)."""
        ids = f"channel={ask.channel} thread={ask.thread}"
        client = ask.client or self.client
        if ask.turns is None and not ask.text.strip():
            metrics.refused("slack", "empty")
            await self.say(ask.channel, ask.thread, messages.EMPTY_QUESTION, client)
            return None
        if len(ask.text) > defaults.MAX_QUESTION_CHARS and root is None:  # said in the thread, as ever
            refusal = messages.question_too_many_chars(len(ask.text), defaults.MAX_QUESTION_CHARS)
            metrics.refused("slack", "too_long")
            await self.say(ask.channel, ask.thread, refusal, client)
            return None
        try:
            question = await asyncio.to_thread(self._admitted, ask)
        except MathbotError as exc:
            log.info("%s user=%s refused: %s %s", ids, ask.user, type(exc).__name__, exc.detail)
            await self._refuse(ask, exc, client)
            return None
        thread = ask.thread if root is None else await root()
        if not thread:  # /solve's message could not be posted (its asker was told)
            await asyncio.to_thread(queue.withdraw, question, self.settings, self.connection)
            return None
        ids = f"channel={ask.channel} thread={thread}"
        first = await self._first_words(ask.channel)
        try:
            posted = await client.chat_postMessage(
                channel=ask.channel, thread_ts=thread, text=first.text, blocks=first.blocks
            )
        except SLACK_ERRORS as exc:
            log.warning("%s placeholder not posted: %s", ids, why(exc))
            await asyncio.to_thread(queue.withdraw, question, self.settings, self.connection)
            await self.forget(dedupe_keys)
            return None
        target = question.target.model_copy(update={"thread": thread, "placeholder": posted["ts"]})
        question = question.model_copy(update={"target": target})
        try:
            enqueued = await asyncio.to_thread(self._enqueue, question, ask)
        except MathbotError as exc:
            log.warning(
                "%s placeholder=%s not queued: %s %s", ids, target.placeholder, type(exc).__name__, exc.detail
            )
            await asyncio.to_thread(queue.withdraw, question, self.settings, self.connection)
            budget = EditBudget(self.connection, ask.team, self.config.edits_per_minute)
            with contextlib.suppress(redis.RedisError):  # a refusal edit counts like any other
                await asyncio.to_thread(budget.spend_within, REFUSAL_EDIT_WAIT_SECONDS)
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

    def _admitted(self, ask: Ask) -> Question:
        """Blocking: the question (the thread's history, then the new turn), counted in by
        `queue.admit`; raises its refusal. Its target has no placeholder yet (nor a thread, for /solve)."""
        target = ReplyTarget(
            platform="slack",
            channel=ask.channel,
            thread=ask.thread or None,
            user=ask.user,
            team=ask.team,
            enterprise=ask.enterprise,
        )
        turn = Turn(role="user", content=ask.text)
        try:
            history = threads.history(self.connection, threads.key_for(target)) if ask.thread else []
        except redis.RedisError as exc:
            raise QueueError(messages.QUEUE_DOWN, detail=type(exc).__name__) from exc
        turns = list(ask.turns) if ask.turns is not None else [*history, turn]
        question = Question(target=target, turns=turns, sampling=Sampling(samples=ask.samples))
        queue.admit(question, self.settings, self.connection)
        return question

    def _enqueue(self, question: Question, ask: Ask) -> queue.Enqueued:
        """Blocking: RQ (which keeps the question for the buttons), then the thread memory (only once
        queued: a refused question must not linger in the conversation)."""
        target = question.target
        assert target.placeholder
        enqueued = queue.enqueue(question, self.settings, self.connection, admitted=True)
        if ask.turns is None:
            try:
                threads.record(self.connection, threads.key_for(target), Turn(role="user", content=ask.text))
            except redis.RedisError:
                log.warning(
                    "channel=%s thread=%s question not kept in thread memory", target.channel, target.thread
                )
        return enqueued

    async def _refuse(self, ask: Ask, refusal: MathbotError, client: AsyncWebClient) -> None:
        """Tell the asker privately why their question was not taken. A message (mention, DM, reply) is
        not answered again within REFUSAL_NOTICE_SECONDS of the last notice: a flood hears it once; a
        /solve or a button click, which expect a response, always get theirs. Without an asker, it is
        said in the thread."""
        if not ask.user:
            await self.say(ask.channel, ask.thread, blocks.error_message(refusal, None).text, client)
            return
        notice = f"slack:refused:{ask.team or '-'}:{ask.user}"
        try:
            fresh = await asyncio.to_thread(claims.claim, self.connection, notice, REFUSAL_NOTICE_SECONDS)
        except redis.RedisError:
            fresh = True
        if not fresh and ask.ts is not None:
            log.info("channel=%s user=%s refused again: told less than a minute ago", ask.channel, ask.user)
            return
        where = None if ask.thread in ("", ask.ts) else ask.thread  # where it was typed
        try:
            await client.chat_postEphemeral(
                channel=ask.channel,
                user=ask.user,
                text=blocks.error_message(refusal, None).text,
                thread_ts=where,
            )
        except SLACK_ERRORS as exc:
            log.warning("channel=%s user=%s refusal not told: %s", ask.channel, ask.user, why(exc))

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
