"""The worker's side of a Discord question: edit the placeholder with progress, then deliver once.

Runs in a sync RQ job: plain REST over httpx (`bots.discord.rest`), never discord.py's gateway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import partial

import redis

from bots.discord import layout, state, study, texts
from bots.discord.rest import (
    MISSING_PERMISSIONS,
    THREAD_ARCHIVED,
    UNKNOWN_MESSAGE,
    DiscordError,
    RateLimited,
    RestClient,
)
from mathbot import present, questions
from mathbot.errors import MathbotError
from mathbot.jobs import ReplyTarget
from mathbot.outcome import Answer, Progress
from mathbot.settings import Settings
from mathbot.study.cards import Card

log = logging.getLogger(__name__)

PARTS_TTL = 7 * 24 * 3600
"""Seconds the ids of an answer's extra messages are kept (a repeated delivery edits them, not reposts)."""


class DiscordReply:
    """One question's messages: the placeholder (edited) and, for long answers, more thread messages.

    The placeholder keeps the cancel button while the question is queued or running; the answer or error
    edit replaces it with "Try again" (a truncated answer, an error that asking again could fix) or
    with nothing.

    `answer` and `error` are idempotent per placeholder: a second call edits the same messages
    (the ids of extra messages are kept in Redis) instead of posting them again.

    A thread archived while the model works (a moderator, or the asker closing a forum post) refuses
    edits: progress then stops, and the answer or error unarchives the thread (as a new message there
    would) and is delivered.
    """

    def __init__(
        self,
        target: ReplyTarget,
        rest: RestClient,
        connection: redis.Redis,
        *,
        follow_up: str = texts.FOLLOW_UP,
        vote_samples: int = 0,
        keep_seconds: int = PARTS_TTL,
    ) -> None:
        self.target, self.rest, self.connection = target, rest, connection
        self.vote_samples = vote_samples
        """Samples offered by the "Check with N samples" button on a one-sample answer (0: no button)."""
        self.channel = target.thread or target.channel
        self.message = target.placeholder
        self.follow_up, self.keep_seconds = follow_up, keep_seconds
        self.progress_gone = False

    def placeholder(self, text: str) -> str | None:
        if self.message is None:
            self.message = str(self.rest.create_message(self.channel, text)["id"])
        return self.message

    def progress(self, progress: Progress) -> None:
        if self.message is None or self.progress_gone:
            return
        try:
            self.rest.edit_message(
                self.channel,
                self.message,
                layout.progress_text(progress),
                components=layout.cancel_components(),  # still cancellable; the answer's edit drops it
                best_effort=True,
            )
        except RateLimited as exc:
            log.info("%s progress skipped: rate limited for %.1f s", self._ids(), exc.retry_after)
        except DiscordError as exc:
            if exc.code == THREAD_ARCHIVED:
                log.info("%s thread was archived: no more progress (the answer unarchives it)", self._ids())
            elif exc.code != UNKNOWN_MESSAGE and exc.status != 404:
                raise
            else:
                log.info("%s placeholder was deleted: no more progress", self._ids())
            self.progress_gone = True

    def answer(self, answer: Answer) -> None:
        """Deliver the answer; where Discord refuses its files (no Attach Files permission), deliver
        the text alone rather than nothing."""
        parts = layout.answer_parts(answer, follow_up=self.follow_up, vote_samples=self.vote_samples)
        try:
            self._deliver(parts)
        except DiscordError as exc:
            if exc.code != MISSING_PERMISSIONS or not any(part.files for part in parts):
                raise
            log.warning("%s files refused (Attach Files missing?); delivering the text alone", self._ids())
            parts = layout.answer_parts(
                answer, follow_up=self.follow_up, attach=False, vote_samples=self.vote_samples
            )
            self._deliver(parts)
        log.info("%s answer delivered in %d message(s)", self._ids(), len(parts))

    def card(self, card: Card) -> str | None:
        """A study card: to its person only when private, else in place of the placeholder or as a new
        message (`bots.discord.study.deliver`)."""
        return study.deliver(self, card)

    def error(self, error: MathbotError) -> None:
        self._deliver([layout.error_part(error)])
        log.info("%s error delivered: %s", self._ids(), type(error).__name__)

    def _deliver(self, parts: Sequence[layout.Part]) -> None:
        """First part into the placeholder, the rest as further messages, each edited if already posted."""
        head = self.placeholder(present.RECEIVED)
        assert head is not None
        posted = {0: head, **questions.parts(self.connection, "discord", head)}  # 0: a replaced placeholder
        for index, part in enumerate(parts):
            existing = posted.get(index)
            if existing is not None and self._edit(existing, part):
                continue
            message = self.rest.create_message(
                self.channel, part.content, files=part.files, components=part.components
            )
            questions.add_part(self.connection, "discord", head, index, str(message["id"]), self.keep_seconds)
        for index in sorted(set(posted) - set(range(len(parts)))):  # left over from a longer earlier try
            self._unarchived(partial(self.rest.delete_message, self.channel, posted[index]))
            questions.drop_part(self.connection, "discord", head, index)

    def _edit(self, message_id: str, part: layout.Part) -> bool:
        """Edit a message of the answer; False when it was deleted (then it is posted anew). The edit
        replaces the message's buttons: the cancel button goes, "Try again" comes where the part has it."""
        try:
            edit = partial(self.rest.edit_message, self.channel, message_id, part.content)
            self._unarchived(partial(edit, files=part.files, components=part.components))
        except DiscordError as exc:
            if exc.code != UNKNOWN_MESSAGE and exc.status != 404:
                raise
            log.info("%s message %s was deleted; posting it anew", self._ids(), message_id)
            return False
        return True

    def _unarchived(self, call: Callable[[], object]) -> None:
        """Make an edit or delete; if the thread was archived meanwhile, unarchive it and make it again
        (a locked thread stays locked: then the DiscordError goes up)."""
        try:
            call()
        except DiscordError as exc:
            if exc.code != THREAD_ARCHIVED or not self.target.thread:
                raise
            log.info("%s thread was archived; unarchiving it to deliver", self._ids())
            self.rest.unarchive_thread(self.channel)
            call()

    def _ids(self) -> str:
        return f"discord channel={self.channel} placeholder={self.message} user={self.target.user}"


def make_reply(target: ReplyTarget, settings: Settings) -> DiscordReply:
    """The reply the worker uses for a Discord question (REST client and Redis from the settings)."""
    from mathbot.queue import connect

    if settings.discord_bot_token is None:
        raise MathbotError("mathbot's Discord token is not configured.", detail="DISCORD_BOT_TOKEN unset")
    rest = RestClient(settings.discord_api_url, settings.discord_bot_token.get_secret_value())
    connection = connect(settings)
    try:
        reads_all = state.message_content(connection, default=settings.discord_message_content)
    except redis.RedisError:
        reads_all = True
    return DiscordReply(
        target,
        rest,
        connection,
        follow_up=follow_up_hint(target, reads_all),
        vote_samples=settings.vote_samples,
        keep_seconds=settings.result_ttl,
    )


def follow_up_hint(target: ReplyTarget, message_content: bool) -> str:
    """How to continue the conversation where this answer lands (nothing for a channel without a thread)."""
    if target.thread:
        return texts.FOLLOW_UP if message_content else texts.FOLLOW_UP_MENTION
    if target.team is None:
        return texts.FOLLOW_UP_DM
    return ""
