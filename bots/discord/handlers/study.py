"""The study features on Discord: `/check`, `/practice`, `/leaderboard`, `/mathbot study|daily`, the study
cards' buttons and the forms they open. The core decides (`mathbot.study`); this module turns
interactions into its calls and its cards into interaction responses: private cards as ephemeral
responses (flags 64: only the clicker sees them), public ones as messages."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import discord

from bots.discord import layout, study
from bots.discord.handlers.context import Context, first_delivery, thread_parent
from bots.discord.ingest import NO_MENTIONS
from mathbot import render
from mathbot.errors import MathbotError
from mathbot.study import cards, clicks, commands, leaderboard, practice

log = logging.getLogger(__name__)

MANAGERS = "members with the Manage Channels permission"
"""Who may switch study mode and the problem of the day on Discord."""


async def who_of(ctx: Context, interaction: discord.Interaction) -> clicks.Who:
    """The person and place of an interaction: a thread counts as its parent channel, the thread kept."""
    channel = interaction.channel or ctx.client.get_partial_messageable(
        interaction.channel_id or 0, guild_id=interaction.guild_id
    )
    parent = await thread_parent(ctx.client, channel)
    where = str(parent if parent is not None else interaction.channel_id)
    return clicks.Who(
        platform="discord",
        channel=where,
        user=str(interaction.user.id),
        name=interaction.user.display_name,
        thread=str(interaction.channel_id) if parent is not None else None,
        team=str(interaction.guild_id) if interaction.guild_id else None,
    )


async def show_private(interaction: discord.Interaction, card: cards.Card) -> None:
    """A card for the one person of the interaction: its first response (or the edit of a deferred
    one), and follow-ups for a long card; all ephemeral."""
    shown = study.parts(card)
    try:
        for index, part in enumerate(shown):
            view = study.view(part)
            files = study.discord_files(part)
            if index == 0 and not interaction.response.is_done():
                await interaction.response.send_message(
                    part.content, ephemeral=True, allowed_mentions=NO_MENTIONS, files=files, view=_view(view)
                )
            elif index == 0:
                await interaction.edit_original_response(
                    content=part.content, attachments=files, allowed_mentions=NO_MENTIONS, view=_view(view)
                )
            else:
                await interaction.followup.send(
                    part.content, ephemeral=True, allowed_mentions=NO_MENTIONS, files=files, view=_view(view)
                )
    except discord.HTTPException as exc:
        log.warning("discord interaction=%s private card not shown: %s", interaction.id, exc)


def _view(view: discord.ui.View | None) -> Any:
    """A view for discord.py's `view=`, or its "no view" marker."""
    return view if view is not None else discord.utils.MISSING


async def say_public(ctx: Context, channel: str, text: str) -> None:
    """A line in a channel or thread (a solve), as plain words."""
    try:
        await ctx.client.get_partial_messageable(int(channel)).send(
            render.neutralize_mentions(text, "discord"), allowed_mentions=NO_MENTIONS
        )
    except discord.HTTPException as exc:
        log.warning("discord channel=%s line not posted: %s", channel, exc)


async def remember(ctx: Context, interaction: discord.Interaction) -> str:
    """A new question id, with this interaction kept under it: a queued check's worker edits the
    interaction's ephemeral response with the verdict."""
    question_id = uuid.uuid4().hex
    await asyncio.to_thread(
        study.remember_interaction,
        ctx.ingest.connection,
        question_id,
        str(interaction.application_id),
        interaction.token,
    )
    return question_id


async def show_answered(ctx: Context, interaction: discord.Interaction, answered: clicks.Answered) -> None:
    """An answer's verdict for its sender alone, and a solve's line in the practice thread."""
    await show_private(interaction, answered.card)
    if answered.public and answered.thread:
        await say_public(ctx, answered.thread, answered.public)


async def on_check(ctx: Context, interaction: discord.Interaction, answer: str, problem: str) -> None:
    """`/check answer:… [problem:…]`: in a practice thread a submission; elsewhere the verdict at once
    (a bank problem) or a check queued, whose verdict the worker puts in this same ephemeral response."""
    if not await first_delivery(ctx, interaction):
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    who = await who_of(ctx, interaction)
    question_id = await remember(ctx, interaction)
    answered = await asyncio.to_thread(
        clicks.check,
        ctx.ingest.connection,
        ctx.ingest.settings,
        problem,
        answer,
        who,
        question_id=question_id,
    )
    log.info("discord /check interaction=%s user=%s queued=%s", interaction.id, who.user, answered.queued)
    await show_answered(ctx, interaction, answered)


async def on_click(ctx: Context, interaction: discord.Interaction, kind: str, ref: str) -> None:
    """A study card's button: a private card for the clicker, or a form (a modal)."""
    if not await first_delivery(ctx, interaction):
        return
    who = await who_of(ctx, interaction)
    clicked = await asyncio.to_thread(
        clicks.click, ctx.ingest.connection, ctx.ingest.settings, ref, kind, who
    )
    log.info("discord ref=%s %s clicked by user=%s", ref, kind, who.user)
    if clicked.form is not None:
        await interaction.response.send_modal(study.AnswerModal(clicked.form))
    elif clicked.card is not None:
        await show_private(interaction, clicked.card)


async def on_form(ctx: Context, interaction: discord.Interaction) -> None:
    """A form sent: a practice submission graded at once, or a check; the verdict is private, a new
    solve gets its line in the practice thread."""
    submitted = study.form_of(interaction)
    if submitted is None or not await first_delivery(ctx, interaction):
        return
    form, given = submitted
    await interaction.response.defer(ephemeral=True, thinking=True)
    who = await who_of(ctx, interaction)
    question_id = await remember(ctx, interaction) if form.kind == "check" else uuid.uuid4().hex
    answered = await asyncio.to_thread(
        clicks.answered, ctx.ingest.connection, ctx.ingest.settings, form, given, who, question_id=question_id
    )
    await show_answered(ctx, interaction, answered)


async def on_practice(ctx: Context, interaction: discord.Interaction, set_name: str, difficulty: str) -> None:
    """`/practice [set] [difficulty]`: the problem as the response, a thread started from it."""
    if not await first_delivery(ctx, interaction):
        return
    who = await who_of(ctx, interaction)
    connection, settings = ctx.ingest.connection, ctx.ingest.settings
    try:
        problem = await asyncio.to_thread(
            practice.choose,
            connection,
            settings,
            platform="discord",
            channel=who.channel,
            set_name=set_name or None,
            difficulty=difficulty or None,
        )
    except MathbotError as exc:
        await interaction.response.send_message(
            exc.user_message, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
        return
    posted = practice.new(
        problem, platform="discord", channel=who.channel, team=who.team, daily=False, settings=settings
    )
    card = practice.card(posted, settings)
    first, *more = study.parts(card)
    callback = await interaction.response.send_message(
        first.content, allowed_mentions=NO_MENTIONS, view=_view(study.view(first))
    )
    message = callback.resource
    if not isinstance(message, discord.InteractionMessage):
        message = await interaction.original_response()
    thread: discord.abc.Messageable = message.channel
    if who.thread is None:
        try:
            thread = await message.create_thread(name=layout.thread_name(card.thread_name))
        except (discord.HTTPException, ValueError) as exc:
            log.warning("discord practice=%s no thread: %s", posted.id, exc)
    for part in more:
        await thread.send(part.content, allowed_mentions=NO_MENTIONS)
    where = str(getattr(thread, "id", who.thread or who.channel))
    await asyncio.to_thread(practice.opened, connection, settings, posted, where)


async def on_leaderboard(ctx: Context, interaction: discord.Interaction, period: str, scope: str) -> None:
    """`/leaderboard [period] [scope]`: shown in the channel."""
    if not await first_delivery(ctx, interaction):
        return
    who = await who_of(ctx, interaction)
    kind: leaderboard.ScopeKind = "team" if scope == "server" and who.team else "channel"
    when: leaderboard.Period = period if period in ("week", "month", "all") else "week"  # type: ignore[assignment]
    rows = await asyncio.to_thread(
        leaderboard.standings,
        ctx.ingest.connection,
        "discord",
        kind,
        (who.team or "") if kind == "team" else who.channel,
        when,
        datetime.now(UTC),
    )
    first = study.parts(leaderboard.card(rows, kind, when))[0]
    await interaction.response.send_message(first.content, allowed_mentions=NO_MENTIONS)


def where_of(who: clicks.Who, interaction: discord.Interaction) -> commands.Where:
    """Where a `/mathbot` command was used; a manager has Manage Channels there."""
    return commands.Where(
        platform="discord",
        channel=who.channel,
        team=who.team,
        enterprise=None,
        manager=bool(interaction.guild_id) and interaction.permissions.manage_channels,
        managers=MANAGERS,
    )


async def answer_command(interaction: discord.Interaction, said: commands.Said) -> None:
    await interaction.response.send_message(
        render.neutralize_mentions(said.text, "discord"),
        ephemeral=not said.public,
        allowed_mentions=NO_MENTIONS,
    )
