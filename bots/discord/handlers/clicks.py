"""Clicks on mathbot's buttons: "Cancel" on a pending question stops it (its asker only); "Try again" on a
truncated answer or a retryable error asks it once more; "Check with N samples" asks it again with N
samples and shows the majority's answer. Anyone else, or a click that does nothing, hears why privately."""

from __future__ import annotations

import logging
from typing import Literal

import discord
import redis

from bots.discord import texts
from bots.discord.handlers.context import Context, first_delivery
from bots.discord.ingest import NO_MENTIONS, Unpostable
from mathbot import messages

log = logging.getLogger(__name__)


async def on_cancel(ctx: Context, interaction: discord.Interaction) -> None:
    """A click on the cancel button: the asker's stops their question and the placeholder says so;
    anyone else, or a click on a question that is over, gets a reply only the clicker sees."""
    if not await first_delivery(ctx, interaction):
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
            texts.CANCEL_REFUSED[outcome], ephemeral=True, allowed_mentions=NO_MENTIONS
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
    if not await first_delivery(ctx, interaction):
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
    refusals = texts.VOTE_REFUSED if kind == "vote" else texts.RETRY_REFUSED
    try:
        await interaction.followup.send(refusals[refusal], ephemeral=True, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as exc:
        log.warning("discord interaction=%s could not answer the click: %s", interaction.id, exc)


async def _ask_again(
    ctx: Context, message: discord.Message, user: str, kind: Literal["retry", "vote"]
) -> str | None:
    """Ask the question answered in `message` again for `user` (as it was, or with the vote's samples):
    None when done (or refused in the new placeholder, in plain words), else the key of what to tell
    the clicker (`texts.RETRY_REFUSED` / `texts.VOTE_REFUSED`)."""
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
