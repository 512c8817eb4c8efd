"""What every Discord handler shares: its context, where a question may be answered, and asking it there."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import discord

from bots.discord import layout
from bots.discord.ingest import NO_MENTIONS, Ingest, Unpostable
from mathbot.errors import MathbotError
from mathbot.jobs import Question, ReplyTarget, Sampling

log = logging.getLogger(__name__)

THREAD_ARCHIVE_MINUTES: Literal[60, 1440, 4320, 10080] = 1440
"""Threads mathbot starts auto-archive after a day of silence (a later message revives them)."""


Place = tuple[discord.abc.Messageable, ReplyTarget, discord.Message | None]
"""Where a question may be answered: the channel or thread, the target there, the message to reply to."""


@dataclass(frozen=True)
class Context:
    """What the handlers need: the ingest path, who mathbot is, and whether it can read all messages."""

    ingest: Ingest
    client: discord.Client
    message_content: bool
    """Whether the Message Content intent is on (without it, unmentioned messages arrive empty)."""

    @property
    def me(self) -> int:
        """mathbot's own user id."""
        return self.client.user.id if self.client.user else 0


async def first_delivery(ctx: Context, interaction: discord.Interaction) -> bool:
    """False when this interaction was already handled (Discord delivered it again)."""
    return await ctx.ingest.first_delivery(f"discord:interaction:{interaction.id}")


async def ask_in(
    ctx: Context,
    places: Sequence[Place],
    text: str,
    *,
    with_history: bool,
    sampling: Sampling | None = None,
    admitted: Question | None = None,
) -> bool:
    """Ask the question in the first place that takes its placeholder; False when none did (each
    refusal is logged). A question refused by the queue still counts as asked: its placeholder says why.
    `admitted`: the question, already counted in (`admitted`); given back when no place takes it."""
    for channel, target, reference in places:
        try:
            await ctx.ingest.submit(
                channel,
                target,
                text,
                with_history=with_history,
                reference=reference,
                sampling=sampling,
                admitted=admitted,
            )
        except Unpostable:
            continue
        return True
    if admitted is not None:
        await ctx.ingest.withdraw(admitted)
    return False


async def admitted(
    ctx: Context, message: discord.Message, target: ReplyTarget, text: str, *, with_history: bool
) -> Question | None:
    """A message's question counted in before anything is posted for it; None when refused (its author
    is told why, once a minute: a flood of mentions costs one reply, no thread and no placeholder)."""
    try:
        return await ctx.ingest.admit(target, text, with_history=with_history)
    except MathbotError as refusal:
        log.info(
            "discord message=%s user=%s refused: %s", message.id, message.author.id, type(refusal).__name__
        )
        await ctx.ingest.tell_refused(message, refusal)
        return None


def can_post(interaction: discord.Interaction) -> bool:
    """Whether mathbot may answer where this interaction was used, by the permissions Discord resolved
    for it there (`app_permissions`): send in the channel, or start a thread and send in it. DMs always;
    an interaction without permissions (0: not resolved) is given the benefit of the doubt."""
    perms = interaction.app_permissions
    if interaction.guild_id is None or perms.value == 0:
        return True
    if not perms.view_channel:
        return False
    if isinstance(interaction.channel, discord.Thread):
        return perms.send_messages_in_threads
    return perms.send_messages or (perms.create_public_threads and perms.send_messages_in_threads)


def threads_allowed(channel: object, guild: discord.Guild | None) -> bool:
    """Whether mathbot may start a thread in `channel` and write in it, by the cached permissions (True
    when they are not known: Discord then decides, and a refusal falls back to the channel)."""
    me = guild.me if guild is not None else None
    if me is None or not isinstance(channel, discord.abc.GuildChannel):
        return True
    perms = channel.permissions_for(me)
    return perms.create_public_threads and perms.send_messages_in_threads


async def thread_parent(client: discord.Client, channel: object) -> int | None:
    """The parent channel id if `channel` is a thread (fetched when not cached), else None."""
    if isinstance(channel, discord.Thread):
        return channel.parent_id
    if isinstance(channel, discord.PartialMessageable) and channel.guild_id is not None:
        try:
            fetched = await client.fetch_channel(channel.id)
        except discord.HTTPException:
            return None
        return fetched.parent_id if isinstance(fetched, discord.Thread) else None
    return None


async def start_thread(message: discord.Message, text: str) -> discord.Thread | None:
    """A public thread started from the message, named after the problem; None if Discord refuses."""
    try:
        return await message.create_thread(
            name=layout.thread_name(text), auto_archive_duration=THREAD_ARCHIVE_MINUTES
        )
    except (discord.HTTPException, ValueError) as exc:
        log.warning("discord channel=%s message=%s no thread: %s", message.channel.id, message.id, exc)
        return None


async def say(channel: discord.abc.Messageable, text: str, *, reference: discord.Message) -> None:
    try:
        await channel.send(text, allowed_mentions=NO_MENTIONS, reference=reference)
    except discord.HTTPException as exc:
        log.warning("discord channel=%s could not reply: %s", getattr(channel, "id", "?"), exc)


def target_of(message: discord.Message, *, channel: int, thread: int | None) -> ReplyTarget:
    return ReplyTarget(
        platform="discord",
        channel=str(channel),
        thread=str(thread) if thread is not None else None,
        user=str(message.author.id),
        team=str(message.guild.id) if message.guild else None,
    )
