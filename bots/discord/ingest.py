"""The adapter's one path for a question: dedupe, placeholder, remember the turn, enqueue, say "queued".

The adapter holds the question's gate (`mathbot.runs`) from before it is queued until its "queued"
edit is done: a fast worker's progress waits behind it, so the late "queued" can never overwrite
progress or the answer.

Redis and RQ are synchronous: every call goes through `asyncio.to_thread`, so the gateway loop
never blocks (heartbeats and the 3-second interaction deadline keep being met).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Literal

import discord
import redis

from bots.discord import layout
from bots.discord.buttons import cancel_view
from mathbot import claims, defaults, messages, metrics, present, questions, queue, runs, threads
from mathbot.errors import MathbotError, QueueError
from mathbot.jobs import Question, ReplyTarget, Sampling, Turn
from mathbot.queue import CancelOutcome
from mathbot.settings import Settings

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
"""Every message the adapter sends or edits: nobody is ever pinged."""

EVENT_CLAIMS = ("discord:message:", "discord:interaction:")
"""Claims on a delivered event: a second one is a redelivery (counted as a dropped duplicate), unlike the
other claims (a hint shown once per channel, a button used once)."""

DEDUPE_WAIT = 1.0
"""Seconds a dedupe check may take; after that the event is handled anyway (a lost question is worse)."""


REFUSAL_NOTICE_SECONDS = 60
"""A person refused again within this long hears nothing more (logged): one reply, not one per message
of a flood."""


class Unpostable(Exception):
    """Discord refused the placeholder in that channel (no permission, archived and locked, gone...):
    nothing was queued, and the caller may try another place or tell the asker another way."""


class Ingest:
    """Turns a question (already parsed from a message or interaction) into a queued job."""

    def __init__(self, settings: Settings, connection: redis.Redis) -> None:
        self.settings, self.connection = settings, connection

    async def first_delivery(self, key: str, ttl: int = defaults.DEDUPE_TTL) -> bool:
        """False when this event id was already handled (a redelivery); fails open."""
        try:
            call = asyncio.to_thread(claims.claim, self.connection, key, ttl)
            first = await asyncio.wait_for(call, DEDUPE_WAIT)
            if not first and key.startswith(EVENT_CLAIMS):
                metrics.duplicate("discord")
            return first
        except (TimeoutError, redis.RedisError) as exc:
            log.warning("dedupe of %s unavailable (%s); handling it anyway", key, type(exc).__name__)
            return True

    async def forget(self, key: str) -> None:
        """Give a `first_delivery` claim back (what it guarded did not happen: a later event may do it)."""
        with contextlib.suppress(redis.RedisError):
            await asyncio.to_thread(claims.unclaim, self.connection, key)

    async def is_known(self, target: ReplyTarget) -> bool:
        """Whether mathbot has a conversation in the target's thread (or DM)."""
        try:
            return await asyncio.to_thread(threads.is_known, self.connection, threads.key_for(target))
        except redis.RedisError:
            log.warning("thread memory unavailable for channel=%s", target.thread or target.channel)
            return False

    async def submit(
        self,
        channel: discord.abc.Messageable,
        target: ReplyTarget,
        text: str,
        *,
        with_history: bool,
        reference: discord.Message | None = None,
        turns: Sequence[Turn] | None = None,
        sampling: Sampling | None = None,
        admitted: Question | None = None,
    ) -> str | None:
        """Post the placeholder, enqueue the question, then edit the placeholder to "queued" with the
        cancel button (or to the refusal in plain words). Returns the question id, or None when it was
        refused (the placeholder says why); raises `Unpostable` when the placeholder could not be posted.

        `turns` is the exact conversation to ask ("Try again"), instead of the thread's history (when
        `with_history`) plus `text`; its question is already in the thread's memory, so it is not
        recorded again. `sampling` carries the samples to draw (majority voting) and any overrides.
        `admitted`: the question, already counted in by `admit` (its turns are asked, here)."""
        try:
            placeholder = await channel.send(
                present.RECEIVED,
                allowed_mentions=NO_MENTIONS,
                reference=reference,  # type: ignore[arg-type]  # None is accepted: no reply
            )
        except discord.HTTPException as exc:
            where = getattr(channel, "id", target.channel)
            log.warning("discord channel=%s cannot post the placeholder: %s", where, exc)
            raise Unpostable(str(exc)) from exc
        target = target.model_copy(update={"placeholder": str(placeholder.id)})
        status, question_id, gate = await asyncio.to_thread(
            self._enqueue, target, text, with_history, turns, sampling or Sampling(), admitted
        )
        buttons = cancel_view() if question_id is not None else None  # a refusal has nothing to cancel
        try:
            await placeholder.edit(content=status, view=buttons, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.warning("discord placeholder=%s could not say queued: %s", placeholder.id, exc)
        finally:
            if gate is not None:  # else the gate's lock expires by itself
                await asyncio.to_thread(gate.release)
        return question_id

    def _enqueue(
        self,
        target: ReplyTarget,
        text: str,
        with_history: bool,
        turns: Sequence[Turn] | None,
        sampling: Sampling,
        admitted: Question | None = None,
    ) -> tuple[str, str | None, runs.Gate | None]:
        """Sync part: hold the question's gate, enqueue, remember the user's turn. (status text,
        question id, the held gate to release after the "queued" edit)"""
        assert target.placeholder is not None
        key = threads.key_for(target)
        turn = Turn(role="user", content=text)
        gate: runs.Gate | None = None
        try:
            if admitted is not None:
                question = admitted.model_copy(update={"target": target})
            elif turns is not None:
                question = Question(target=target, turns=list(turns), sampling=sampling)
            else:
                history = threads.history(self.connection, key) if with_history else []
                question = Question(target=target, turns=[*history, turn], sampling=sampling)
            gate = runs.Gate(self.connection, question.id)
            gate.hold()
            enqueued = queue.enqueue(question, self.settings, self.connection, admitted=admitted is not None)
            # Recorded while the placeholder is held: the worker records its answer only after it
            # could edit the placeholder, so the thread's memory keeps question-then-answer order.
            if turns is None:
                threads.record(self.connection, key, turn)
        except MathbotError as exc:
            log.info("discord channel=%s refused: %s %s", target.channel, type(exc).__name__, exc.detail)
            _let_go(gate)
            if admitted is not None:
                queue.withdraw(admitted, self.settings, self.connection)
            return layout.error_text(exc.user_message), None, None
        except redis.RedisError as exc:
            log.warning("discord channel=%s queue unreachable: %s", target.channel, type(exc).__name__)
            _let_go(gate)
            if admitted is not None:
                queue.withdraw(admitted, self.settings, self.connection)
            return layout.error_text(messages.QUEUE_DOWN), None, None
        log.info(
            "discord question=%s queued at %d channel=%s thread=%s user=%s turns=%d",
            question.id,
            enqueued.position,
            target.channel,
            target.thread,
            target.user,
            len(question.turns),
        )
        return messages.queued(enqueued.position), question.id, gate

    async def admit(self, target: ReplyTarget, text: str, *, with_history: bool) -> Question:
        """The question of a message, counted in (`queue.admit`: the asker's and the channel's limits, a
        place in the queue) before anything is posted for it: no thread, placeholder or edit is spent on
        a question that is refused. Raises the refusal (a `MathbotError`)."""

        def counted() -> Question:
            try:
                history = threads.history(self.connection, threads.key_for(target)) if with_history else []
            except redis.RedisError as exc:
                raise QueueError(messages.QUEUE_DOWN, detail=type(exc).__name__) from exc
            question = Question(target=target, turns=[*history, Turn(role="user", content=text)])
            queue.admit(question, self.settings, self.connection)
            return question

        return await asyncio.to_thread(counted)

    async def withdraw(self, question: Question) -> None:
        """An admitted question that no place took: it no longer counts against its asker."""
        await asyncio.to_thread(queue.withdraw, question, self.settings, self.connection)

    async def tell_refused(self, message: discord.Message, refusal: MathbotError) -> None:
        """Reply to a refused message with the reason, unless its author heard one in the last
        REFUSAL_NOTICE_SECONDS: a flood of mentions gets one reply, not one per mention (and no thread)."""
        key = f"discord:refused:{message.author.id}"
        if not await self.first_delivery(key, ttl=REFUSAL_NOTICE_SECONDS):
            log.info("discord message=%s user=%s refused again: told recently", message.id, message.author.id)
            return
        try:
            await message.channel.send(
                layout.error_text(refusal.user_message), allowed_mentions=NO_MENTIONS, reference=message
            )
        except discord.HTTPException as exc:
            log.warning("discord message=%s could not say why it was refused: %s", message.id, exc)

    async def question_on(self, message: str) -> Question | None:
        """The question shown in `message` (its placeholder, or a further message of its answer), or
        None when it is not known or no longer stored. Raises `redis.RedisError` when Redis cannot be
        reached."""
        return await asyncio.to_thread(questions.behind, self.connection, "discord", message)

    async def cancel(
        self, placeholder: str, user: str, show: Callable[[], Awaitable[None]]
    ) -> CancelOutcome | Literal["unavailable"]:
        """Cancel the question whose placeholder is `placeholder` if `user` asked it, and `show` it
        cancelled, through the question's gate (`mathbot.runs`): an answer already shown stays (then
        "finished"), and once cancelled, no run edits the placeholder again. "unavailable" when Redis
        cannot be reached."""
        try:
            question = await self.question_on(placeholder)
            if question is None:
                outcome: CancelOutcome = "unknown"
            else:
                async with runs.Gate(self.connection, question.id).aturn() as standing:
                    outcome = "finished"
                    if standing is runs.Standing.OPEN:
                        outcome, _ = await asyncio.to_thread(
                            queue.cancel, question.id, self.settings, self.connection, by_user=user
                        )
                    if outcome == "cancelled":
                        await show()
        except redis.RedisError as exc:
            log.warning("discord placeholder=%s cancel failed: %s", placeholder, type(exc).__name__)
            return "unavailable"
        log.info(
            "discord question=%s placeholder=%s cancel by user=%s: %s",
            question.id if question else None,
            placeholder,
            user,
            outcome,
        )
        return outcome


def _let_go(gate: runs.Gate | None) -> None:
    if gate is not None:
        with contextlib.suppress(redis.RedisError):
            gate.release()
