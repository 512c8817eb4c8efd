"""Messages: a mention in a channel (answered in a thread started from it), a message in one of mathbot's
threads (a follow-up, no mention needed), and a DM (a Discord *reply* to one of mathbot's DM messages
continues that conversation). Bots, mathbot itself and system messages are ignored; each message is
answered once."""

from __future__ import annotations

import logging

import discord
import redis

from bots.discord import texts
from bots.discord.handlers.context import (
    Context,
    Place,
    admitted,
    ask_in,
    say,
    start_thread,
    target_of,
    thread_parent,
    threads_allowed,
)
from mathbot import messages
from mathbot.jobs import ReplyTarget

log = logging.getLogger(__name__)

HINT_TTL = 24 * 3600
"""Seconds between two "mention me" hints in the same thread."""


ANSWERED_TYPES = (discord.MessageType.default, discord.MessageType.reply)
"""Message types that can carry a question (not joins, pins, thread-created notices...)."""


async def on_message(ctx: Context, message: discord.Message) -> None:
    """Answer the message if it is a question for mathbot; ignore everything else."""
    if message.author.bot or message.author.id == ctx.me or message.type not in ANSWERED_TYPES:
        return
    mentioned = any(user.id == ctx.me for user in message.mentions)
    text = question_text(message, ctx.me)
    if message.guild is None:
        await _direct_message(ctx, message, text)
        return
    parent = await thread_parent(ctx.client, message.channel)
    if parent is not None:
        await _in_thread(ctx, message, text, parent, mentioned)
    elif mentioned:
        await _mention(ctx, message, text)


async def _direct_message(ctx: Context, message: discord.Message, text: str) -> None:
    if not await ctx.ingest.first_delivery(f"discord:message:{message.id}"):
        return
    if not text:
        await say(message.channel, messages.EMPTY_QUESTION, reference=message)
        return
    # A DM has no threads: a Reply to one of mathbot's answers continues that answer's conversation
    # (its own memory), anything else starts a new one, named after this message.
    conversation = await _conversation_replied_to(ctx, message) if replies_to(message, ctx.me) else None
    follow_up = conversation is not None
    target = ReplyTarget(
        platform="discord",
        channel=str(message.channel.id),
        user=str(message.author.id),
        conversation=conversation or str(message.id),
    )
    log.info("discord dm message=%s user=%s follow_up=%s", message.id, message.author.id, follow_up)
    question = await admitted(ctx, message, target, text, with_history=follow_up)
    if question is not None:
        await ask_in(
            ctx, [(message.channel, target, message)], text, with_history=follow_up, admitted=question
        )


async def _conversation_replied_to(ctx: Context, message: discord.Message) -> str | None:
    """The DM conversation of the mathbot message this message replies to (its answer's first message),
    or None when that message answers no question mathbot still knows."""
    ref = message.reference
    if ref is None or ref.message_id is None:
        return None
    try:
        question = await ctx.ingest.question_on(str(ref.message_id))
    except redis.RedisError:
        return None
    return question.target.conversation if question is not None else None


async def _in_thread(ctx: Context, message: discord.Message, text: str, parent: int, mentioned: bool) -> None:
    target = target_of(message, channel=parent, thread=message.channel.id)
    known = await ctx.ingest.is_known(target)
    if not (known or mentioned):
        return
    if not await ctx.ingest.first_delivery(f"discord:message:{message.id}"):
        return
    if not text:
        await _empty_in_thread(ctx, message, mentioned)
        return
    log.info(
        "discord thread=%s message=%s user=%s follow_up=%s",
        message.channel.id,
        message.id,
        message.author.id,
        known,
    )
    question = await admitted(ctx, message, target, text, with_history=known)
    if question is not None:
        await ask_in(ctx, [(message.channel, target, message)], text, with_history=known, admitted=question)


async def _empty_in_thread(ctx: Context, message: discord.Message, mentioned: bool) -> None:
    if mentioned:
        await say(message.channel, messages.EMPTY_QUESTION, reference=message)
        return
    blind = not ctx.message_content and not message.attachments and not message.stickers
    # Without the privileged intent an unmentioned message arrives with empty content: say once
    # per thread (a day) how to be heard, instead of staying silent.
    if blind and await ctx.ingest.first_delivery(f"discord:hint:{message.channel.id}", ttl=HINT_TTL):
        await say(message.channel, texts.MENTION_HINT, reference=message)


async def _mention(ctx: Context, message: discord.Message, text: str) -> None:
    if not await ctx.ingest.first_delivery(f"discord:message:{message.id}"):
        return
    if not text:
        await say(message.channel, messages.EMPTY_QUESTION, reference=message)
        return
    in_channel = target_of(message, channel=message.channel.id, thread=None)
    question = await admitted(ctx, message, in_channel, text, with_history=False)
    if question is None:
        return  # refused before a thread was started for it
    thread = await start_thread(message, text) if threads_allowed(message.channel, message.guild) else None
    log.info(
        "discord mention message=%s channel=%s thread=%s user=%s",
        message.id,
        message.channel.id,
        thread and thread.id,
        message.author.id,
    )
    places: list[Place] = []
    if thread is not None:
        places.append((thread, target_of(message, channel=message.channel.id, thread=thread.id), None))
    # No permission, no threads in this channel, or the thread refused the placeholder: reply right here.
    places.append((message.channel, in_channel, message))
    await ask_in(ctx, places, text, with_history=False, admitted=question)


def question_text(message: discord.Message, me: int) -> str:
    """The message's text as people read it (discord.py's `clean_content`: user, role and channel
    mentions as `@name` / `#name`, `@everyone` defused), without mathbot's own mention."""
    member = message.guild.get_member(me) if message.guild else None
    own = member or next((user for user in message.mentions if user.id == me), None)
    text = message.clean_content
    if own is not None:
        text = text.replace("@" + own.display_name, " ")
    return text.strip()


def replies_to(message: discord.Message, me: int) -> bool:
    """Whether the message is a Discord reply to one of mathbot's messages."""
    ref = message.reference
    resolved = ref.resolved if ref else None
    return isinstance(resolved, discord.Message) and resolved.author.id == me
