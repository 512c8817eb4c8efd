"""The adapter's one path for a question: dedupe, placeholder, remember the turn, enqueue, say "queued".

Redis and RQ are synchronous: every call goes through `asyncio.to_thread`, so the gateway loop
never blocks (heartbeats and the 3-second interaction deadline keep being met).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Literal

import discord
import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from bots.discord import format, state
from bots.discord.cancel import view as cancel_view
from mathbot import defaults, messages, queue, threads
from mathbot.errors import MathbotError
from mathbot.jobs import Question, ReplyTarget, Sampling, Turn
from mathbot.queue import CancelOutcome
from mathbot.settings import Settings

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
"""Every message the adapter sends or edits: nobody is ever pinged."""

DEDUPE_WAIT = 1.0
"""Seconds a dedupe check may take; after that the event is handled anyway (a lost question is worse)."""


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
            call = asyncio.to_thread(queue.first_delivery, self.connection, key, ttl)
            return await asyncio.wait_for(call, DEDUPE_WAIT)
        except (TimeoutError, redis.RedisError) as exc:
            log.warning("dedupe of %s unavailable (%s); handling it anyway", key, type(exc).__name__)
            return True

    async def forget(self, key: str) -> None:
        """Give a `first_delivery` claim back (what it guarded did not happen: a later event may do it)."""
        with contextlib.suppress(redis.RedisError):
            await asyncio.to_thread(self.connection.delete, queue.DEDUPE_PREFIX + key)

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
    ) -> str | None:
        """Post the placeholder, enqueue the question, then edit the placeholder to "queued" with the
        cancel button (or to the refusal in plain words). Returns the question id, or None when it was
        refused (the placeholder says why); raises `Unpostable` when the placeholder could not be posted.

        `turns` is the exact conversation to ask ("Try again"), instead of the thread's history (when
        `with_history`) plus `text`; its question is already in the thread's memory, so it is not
        recorded again. `sampling` carries the samples to draw (majority voting) and any overrides."""
        try:
            placeholder = await channel.send(
                format.RECEIVED,
                allowed_mentions=NO_MENTIONS,
                reference=reference,  # type: ignore[arg-type]  # None is accepted: no reply
            )
        except discord.HTTPException as exc:
            where = getattr(channel, "id", target.channel)
            log.warning("discord channel=%s cannot post the placeholder: %s", where, exc)
            raise Unpostable(str(exc)) from exc
        target = target.model_copy(update={"placeholder": str(placeholder.id)})
        status, question_id = await asyncio.to_thread(
            self._enqueue, target, text, with_history, turns, sampling or Sampling()
        )
        buttons = cancel_view() if question_id is not None else None  # a refusal has nothing to cancel
        try:
            await placeholder.edit(content=status, view=buttons, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.warning("discord placeholder=%s could not say queued: %s", placeholder.id, exc)
        finally:
            with contextlib.suppress(redis.RedisError):  # else the hold expires by itself
                await asyncio.to_thread(state.release, self.connection, str(placeholder.id))
        return question_id

    def _enqueue(
        self,
        target: ReplyTarget,
        text: str,
        with_history: bool,
        turns: Sequence[Turn] | None,
        sampling: Sampling,
    ) -> tuple[str, str | None]:
        """Sync part: hold the placeholder, enqueue, remember the user's turn. (status text, question id)"""
        assert target.placeholder is not None
        key = threads.key_for(target)
        turn = Turn(role="user", content=text)
        try:
            state.hold(self.connection, target.placeholder)
            if turns is not None:
                asked = list(turns)
            else:
                asked = [*(threads.history(self.connection, key) if with_history else []), turn]
            question = Question(target=target, turns=asked, sampling=sampling)
            enqueued = queue.enqueue(question, self.settings, self.connection)
            # Recorded while the placeholder is held: the worker records its answer only after it
            # could edit the placeholder, so the thread's memory keeps question-then-answer order.
            if turns is None:
                threads.record(self.connection, key, turn)
        except MathbotError as exc:
            log.info("discord channel=%s refused: %s %s", target.channel, type(exc).__name__, exc.detail)
            return format.error_text(exc.user_message), None
        except redis.RedisError as exc:
            log.warning("discord channel=%s queue unreachable: %s", target.channel, type(exc).__name__)
            return format.error_text(messages.QUEUE_DOWN), None
        log.info(
            "discord question=%s queued at %d channel=%s thread=%s user=%s turns=%d",
            question.id,
            enqueued.position,
            target.channel,
            target.thread,
            target.user,
            len(question.turns),
        )
        return messages.queued(enqueued.position), question.id

    async def question_on(self, placeholder: str) -> Question | None:
        """The question whose placeholder (or a further message of whose answer) is `placeholder` (its
        RQ job's payload), or None when it is not known or no longer stored. Raises
        `redis.RedisError` when Redis cannot be reached."""
        return await asyncio.to_thread(self._question_on, placeholder)

    def _question_on(self, placeholder: str) -> Question | None:
        head = state.head_of(self.connection, placeholder)
        question_id = queue.question_for_placeholder(self.connection, "discord", head)
        if question_id is None:
            return None
        try:
            job = Job.fetch(question_id, connection=self.connection, serializer=JSONSerializer)
            return Question.model_validate(job.args[0])
        except (NoSuchJobError, IndexError, ValueError):  # expired, or a payload that is not a question
            return None

    async def cancel(self, placeholder: str, user: str) -> CancelOutcome | Literal["unavailable"]:
        """Cancel the question whose placeholder is `placeholder` if `user` asked it (see `queue.cancel`);
        "unavailable" when Redis cannot be reached."""
        try:
            return await asyncio.to_thread(self._cancel, placeholder, user)
        except redis.RedisError as exc:
            log.warning("discord placeholder=%s cancel failed: %s", placeholder, type(exc).__name__)
            return "unavailable"

    def _cancel(self, placeholder: str, user: str) -> CancelOutcome:
        question_id = queue.question_for_placeholder(self.connection, "discord", placeholder)
        outcome: CancelOutcome = "unknown"
        if question_id is not None:
            outcome, _ = queue.cancel(question_id, self.settings, self.connection, by_user=user)
        log.info(
            "discord question=%s placeholder=%s cancel by user=%s: %s",
            question_id,
            placeholder,
            user,
            outcome,
        )
        return outcome
