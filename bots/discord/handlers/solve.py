"""`/solve problem:… [samples:N]`: the problem posted visibly (the interaction's response) and answered in a
thread started from that post (or in the channel, or the DM); where mathbot cannot post at all, the asker
is told so privately."""

from __future__ import annotations

import logging

import discord

from bots.discord import layout, texts
from bots.discord.handlers.context import (
    Context,
    Place,
    ask_in,
    can_post,
    first_delivery,
    start_thread,
    thread_parent,
)
from bots.discord.ingest import NO_MENTIONS
from mathbot import messages
from mathbot.jobs import ReplyTarget, Sampling

log = logging.getLogger(__name__)


async def on_solve(ctx: Context, interaction: discord.Interaction, problem: str, samples: int = 1) -> None:
    """`/solve problem:… [samples:N]`: answer the interaction at once with the problem, then thread the
    answer (with N > 1, the majority's answer of N samples)."""
    if not await first_delivery(ctx, interaction):
        return
    text = problem.strip()
    if not text or not can_post(interaction):
        refusal = texts.CANNOT_POST if text else messages.EMPTY_QUESTION
        log.info("discord solve interaction=%s refused: %s", interaction.id, refusal[:40])
        await interaction.response.send_message(refusal, ephemeral=True, allowed_mentions=NO_MENTIONS)
        return
    content, embeds = layout.problem_post(text, interaction.user.display_name)
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
            await interaction.followup.send(texts.CANNOT_POST, ephemeral=True, allowed_mentions=NO_MENTIONS)
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
        return await ask_in(ctx, [(post.channel, target, None)], text, with_history=False, sampling=sampling)
    channel = interaction.channel or ctx.client.get_partial_messageable(
        interaction.channel_id or 0, guild_id=guild
    )
    parent = await thread_parent(ctx.client, channel)
    if parent is not None:  # used inside a thread: answer there, with its history if it is ours
        target = ReplyTarget(
            platform="discord", channel=str(parent), thread=str(channel.id), user=user, team=str(guild)
        )
        known = await ctx.ingest.is_known(target)
        return await ask_in(ctx, [(post.channel, target, None)], text, with_history=known, sampling=sampling)
    in_channel = ReplyTarget(platform="discord", channel=str(channel.id), user=user, team=str(guild))
    places: list[Place] = [(post.channel, in_channel, None)]
    perms = interaction.app_permissions
    if perms.value == 0 or (perms.create_public_threads and perms.send_messages_in_threads):
        thread = await start_thread(post, text)
        if thread is not None:
            places.insert(0, (thread, in_channel.model_copy(update={"thread": str(thread.id)}), None))
    return await ask_in(ctx, places, text, with_history=False, sampling=sampling)
