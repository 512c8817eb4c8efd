"""Gateway events → questions: which messages and interactions mathbot answers, and where.

- a mention in a channel: a thread is started from the message and the answer goes there (where
  mathbot cannot start a thread or write in one, or the channel has none, a reply in the channel);
- `/solve problem:…`: the problem is posted visibly (the interaction's response) and answered in
  a thread started from that post (or in the channel, as above); where mathbot cannot post at all,
  the asker is told so privately instead;
- any message in a thread mathbot answers in (no mention needed): a follow-up with the thread's history;
- a DM: answered in the DM (a Discord *reply* to one of mathbot's DM messages is a follow-up).
Bots, mathbot itself and system messages are ignored; each message or interaction is answered once.
The cancel button on a placeholder stops the question, for its asker only (`on_cancel`); "Try again" on
a truncated answer or a retryable error asks it once more, for its asker only (`on_retry`); "Check with
N samples" on an answer asks it again with N samples and shows the majority's answer (`on_vote`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import discord
import redis

from bots.discord import format
from bots.discord.ingest import NO_MENTIONS, Ingest, Unpostable
from mathbot import messages
from mathbot.jobs import ReplyTarget, Sampling

log = logging.getLogger(__name__)

THREAD_ARCHIVE_MINUTES: Literal[60, 1440, 4320, 10080] = 1440
"""Threads mathbot starts auto-archive after a day of silence (a later message revives them)."""

HINT_TTL = 24 * 3600
"""Seconds between two "mention me" hints in the same thread."""

ANSWERED_TYPES = (discord.MessageType.default, discord.MessageType.reply)
"""Message types that can carry a question (not joins, pins, thread-created notices...)."""


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
        await _say(message.channel, messages.EMPTY_QUESTION, reference=message)
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
    await _ask_in(ctx, [(message.channel, target, message)], text, with_history=follow_up)


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
    target = _target(message, channel=parent, thread=message.channel.id)
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
    await _ask_in(ctx, [(message.channel, target, message)], text, with_history=known)


async def _empty_in_thread(ctx: Context, message: discord.Message, mentioned: bool) -> None:
    if mentioned:
        await _say(message.channel, messages.EMPTY_QUESTION, reference=message)
        return
    blind = not ctx.message_content and not message.attachments and not message.stickers
    # Without the privileged intent an unmentioned message arrives with empty content: say once
    # per thread (a day) how to be heard, instead of staying silent.
    if blind and await ctx.ingest.first_delivery(f"discord:hint:{message.channel.id}", ttl=HINT_TTL):
        await _say(message.channel, format.MENTION_HINT, reference=message)


async def _mention(ctx: Context, message: discord.Message, text: str) -> None:
    if not await ctx.ingest.first_delivery(f"discord:message:{message.id}"):
        return
    if not text:
        await _say(message.channel, messages.EMPTY_QUESTION, reference=message)
        return
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
        places.append((thread, _target(message, channel=message.channel.id, thread=thread.id), None))
    # No permission, no threads in this channel, or the thread refused the placeholder: reply right here.
    places.append((message.channel, _target(message, channel=message.channel.id, thread=None), message))
    await _ask_in(ctx, places, text, with_history=False)


async def on_solve(ctx: Context, interaction: discord.Interaction, problem: str, samples: int = 1) -> None:
    """`/solve problem:… [samples:N]`: answer the interaction at once with the problem, then thread the
    answer (with N > 1, the majority's answer of N samples)."""
    if not await ctx.ingest.first_delivery(f"discord:interaction:{interaction.id}"):
        return
    text = problem.strip()
    if not text or not can_post(interaction):
        refusal = format.CANNOT_POST if text else messages.EMPTY_QUESTION
        log.info("discord solve interaction=%s refused: %s", interaction.id, refusal[:40])
        await interaction.response.send_message(refusal, ephemeral=True, allowed_mentions=NO_MENTIONS)
        return
    content, embeds = format.problem_post(text, interaction.user.display_name)
    callback = await interaction.response.send_message(
        content,
        embeds=[discord.Embed.from_dict(e) for e in embeds],
        allowed_mentions=NO_MENTIONS,
    )
    post = callback.resource
    if not isinstance(post, discord.InteractionMessage):
        post = await interaction.original_response()
    log.info(
        "discord solve interaction=%s post=%s channel=%s user=%s",
        interaction.id,
        post.id,
        interaction.channel_id,
        interaction.user.id,
    )
    if not await _solve_in(ctx, interaction, post, text, Sampling(samples=samples)):
        try:  # the token lasts 15 minutes: the asker hears it even though the channel refused us
            await interaction.followup.send(format.CANNOT_POST, ephemeral=True, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.warning("discord interaction=%s could not say it cannot post: %s", interaction.id, exc)


async def _solve_in(
    ctx: Context, interaction: discord.Interaction, post: discord.Message, text: str, sampling: Sampling
) -> bool:
    """Ask `/solve`'s problem where it belongs: the DM; the thread it was used in; else a thread started
    from the post, or the channel. False when no place took the placeholder."""
    user, guild = str(interaction.user.id), interaction.guild_id
    if guild is None:  # a DM: answer in it, as a conversation of its own
        target = ReplyTarget(
            platform="discord", channel=str(interaction.channel_id), user=user, conversation=str(post.id)
        )
        return await _ask_in(ctx, [(post.channel, target, None)], text, with_history=False, sampling=sampling)
    channel = interaction.channel or ctx.client.get_partial_messageable(
        interaction.channel_id or 0, guild_id=guild
    )
    parent = await thread_parent(ctx.client, channel)
    if parent is not None:  # used inside a thread: answer there, with its history if it is ours
        target = ReplyTarget(
            platform="discord", channel=str(parent), thread=str(channel.id), user=user, team=str(guild)
        )
        known = await ctx.ingest.is_known(target)
        return await _ask_in(ctx, [(post.channel, target, None)], text, with_history=known, sampling=sampling)
    in_channel = ReplyTarget(platform="discord", channel=str(channel.id), user=user, team=str(guild))
    places: list[Place] = [(post.channel, in_channel, None)]
    perms = interaction.app_permissions
    if perms.value == 0 or (perms.create_public_threads and perms.send_messages_in_threads):
        thread = await start_thread(post, text)
        if thread is not None:
            places.insert(0, (thread, in_channel.model_copy(update={"thread": str(thread.id)}), None))
    return await _ask_in(ctx, places, text, with_history=False, sampling=sampling)


async def _ask_in(
    ctx: Context,
    places: Sequence[Place],
    text: str,
    *,
    with_history: bool,
    sampling: Sampling | None = None,
) -> bool:
    """Ask the question in the first place that takes its placeholder; False when none did (each
    refusal is logged). A question refused by the queue still counts as asked: its placeholder says why."""
    for channel, target, reference in places:
        try:
            await ctx.ingest.submit(
                channel, target, text, with_history=with_history, reference=reference, sampling=sampling
            )
        except Unpostable:
            continue
        return True
    return False


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


async def on_cancel(ctx: Context, interaction: discord.Interaction) -> None:
    """A click on the cancel button: the asker's stops their question and the placeholder says so;
    anyone else, or a click on a question that is over, gets a reply only the clicker sees."""
    if not await ctx.ingest.first_delivery(f"discord:interaction:{interaction.id}"):
        return
    try:
        await interaction.response.defer()  # acknowledged within Discord's 3 s, however long Redis takes
    except discord.HTTPException as exc:  # too late or already answered: the asker still meant it
        log.warning("discord interaction=%s could not be acknowledged: %s", interaction.id, exc)
    message = interaction.message
    if message is None:
        return
    outcome = await ctx.ingest.cancel(
        str(message.id), str(interaction.user.id), lambda: show_cancelled(message)
    )
    if outcome == "cancelled":
        return
    try:
        await interaction.followup.send(
            format.CANCEL_REFUSED[outcome], ephemeral=True, allowed_mentions=NO_MENTIONS
        )
    except discord.HTTPException as exc:
        log.warning("discord interaction=%s could not answer the click: %s", interaction.id, exc)


async def show_cancelled(message: discord.Message) -> None:
    """Edit the placeholder to say the question was cancelled (without the button). It is done under
    the question's gate, which no run passes once the question is cancelled: nothing overwrites it."""
    try:
        await message.edit(content=messages.CANCELLED, view=None, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as exc:
        log.warning("discord placeholder=%s could not say cancelled: %s", message.id, exc)


async def on_retry(ctx: Context, interaction: discord.Interaction) -> None:
    """A click on "Try again": the asker's asks the question once more, as a new question with the same
    turns in the same thread or DM, and the clicked message loses its button; anyone else, or a click
    that asks nothing again, gets a reply only the clicker sees."""
    await _on_ask_again(ctx, interaction, "retry")


async def on_vote(ctx: Context, interaction: discord.Interaction) -> None:
    """A click on "Check with N samples": the asker's asks the question again with MATHBOT_VOTE_SAMPLES
    samples at once (majority voting), in the same thread or DM; otherwise as for "Try again"."""
    await _on_ask_again(ctx, interaction, "vote")


async def _on_ask_again(
    ctx: Context, interaction: discord.Interaction, kind: Literal["retry", "vote"]
) -> None:
    if not await ctx.ingest.first_delivery(f"discord:interaction:{interaction.id}"):
        return
    try:
        await interaction.response.defer()  # acknowledged within Discord's 3 s, however long the rest takes
    except discord.HTTPException as exc:  # too late or already answered: the asker still meant it
        log.warning("discord interaction=%s could not be acknowledged: %s", interaction.id, exc)
    message = interaction.message
    if message is None:
        return
    refusal = await _ask_again(ctx, message, str(interaction.user.id), kind)
    if refusal is None:
        return
    refusals = format.VOTE_REFUSED if kind == "vote" else format.RETRY_REFUSED
    try:
        await interaction.followup.send(refusals[refusal], ephemeral=True, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as exc:
        log.warning("discord interaction=%s could not answer the click: %s", interaction.id, exc)


async def _ask_again(
    ctx: Context, message: discord.Message, user: str, kind: Literal["retry", "vote"]
) -> str | None:
    """Ask the question answered in `message` again for `user` (as it was, or with the vote's samples):
    None when done (or refused in the new placeholder, in plain words), else the key of what to tell
    the clicker (`format.RETRY_REFUSED` / `format.VOTE_REFUSED`)."""
    try:
        question = await ctx.ingest.question_on(str(message.id))
    except redis.RedisError as exc:
        log.warning("discord message=%s retry failed: %s", message.id, type(exc).__name__)
        return "unavailable"
    if question is None:
        return "gone"
    if question.target.user != user:
        return "not_yours"
    # One click, one retry: a double click (two interactions) reaches here twice.
    claim = f"discord:{kind}:{message.id}"
    if not await ctx.ingest.first_delivery(claim, ttl=ctx.ingest.settings.result_ttl):
        return "already"
    log.info("discord question=%s message=%s %s by user=%s", question.id, message.id, kind, user)
    target = question.target.model_copy(update={"placeholder": None})
    sampling = question.sampling
    if kind == "vote":
        sampling = sampling.model_copy(update={"samples": ctx.ingest.settings.vote_samples, "seed": None})
    try:
        asked = await ctx.ingest.submit(
            message.channel,
            target,
            question.text,
            with_history=False,
            turns=question.turns,
            reference=message,
            sampling=sampling,
        )
    except Unpostable:  # mathbot may no longer post there: a later click may still work
        await ctx.ingest.forget(claim)
        return "unpostable"
    if asked is None:  # refused (a limit, the queue down): the new placeholder says why
        await ctx.ingest.forget(claim)  # a later click may still work
        return None
    try:
        await message.edit(view=None, allowed_mentions=NO_MENTIONS)  # the button: only the new one counts
    except discord.HTTPException as exc:
        log.warning("discord message=%s could not lose its retry button: %s", message.id, exc)
    return None


def question_text(message: discord.Message, me: int) -> str:
    """The message's text without mathbot's mention; other mentions become `@name`."""
    text = re.sub(rf"<@!?{me}>", " ", message.content)
    names = {str(user.id): "@" + user.display_name for user in message.mentions}
    # A function, not a replacement template: names may hold backslashes (`C:\\Users`, `\1`).
    return _USER_MENTION.sub(lambda m: names.get(m.group(1), m.group(0)), text).strip()


_USER_MENTION = re.compile(r"<@!?(\d+)>")


def replies_to(message: discord.Message, me: int) -> bool:
    """Whether the message is a Discord reply to one of mathbot's messages."""
    ref = message.reference
    resolved = ref.resolved if ref else None
    return isinstance(resolved, discord.Message) and resolved.author.id == me


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
            name=format.thread_name(text), auto_archive_duration=THREAD_ARCHIVE_MINUTES
        )
    except (discord.HTTPException, ValueError) as exc:
        log.warning("discord channel=%s message=%s no thread: %s", message.channel.id, message.id, exc)
        return None


async def _say(channel: discord.abc.Messageable, text: str, *, reference: discord.Message) -> None:
    try:
        await channel.send(text, allowed_mentions=NO_MENTIONS, reference=reference)
    except discord.HTTPException as exc:
        log.warning("discord channel=%s could not reply: %s", getattr(channel, "id", "?"), exc)


def _target(message: discord.Message, *, channel: int, thread: int | None) -> ReplyTarget:
    return ReplyTarget(
        platform="discord",
        channel=str(channel),
        thread=str(thread) if thread is not None else None,
        user=str(message.author.id),
        team=str(message.guild.id) if message.guild else None,
    )
