"""The study slash commands: `/check`, `/practice`, `/leaderboard` and the `/mathbot` group (`study`,
`daily on|off|show`: managers only, hidden from others by Discord's default permissions)."""

# No `from __future__ import annotations` here: discord.py reads the parameter annotations (Literal,
# Range) at decoration time to build the commands' options.

import asyncio
from typing import Literal

import discord
from discord import app_commands

from bots.discord.handlers import Context
from bots.discord.handlers import study as handlers
from bots.discord.handlers.context import first_delivery
from mathbot import defaults
from mathbot.study import commands

MAX_PROBLEM_CHARS = 4000


def study_commands(ctx: Context) -> list[app_commands.Command | app_commands.Group]:  # type: ignore[type-arg]
    """Every study command, bound to the adapter's context."""

    @app_commands.command(
        name="check", description="Check your answer privately: right or not, never the answer."
    )
    @app_commands.describe(
        answer="Your answer (e.g. 70, \\frac{3}{4})",
        problem="The problem (leave it out in the thread of a problem mathbot answered or posted)",
    )
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    async def check(
        interaction: discord.Interaction,
        answer: app_commands.Range[str, 1, defaults.MAX_GIVEN_CHARS],
        problem: app_commands.Range[str, 0, MAX_PROBLEM_CHARS] = "",
    ) -> None:
        await handlers.on_check(ctx, interaction, answer, problem)

    @app_commands.command(
        name="practice", description="Post a practice problem; submit your answer privately."
    )
    @app_commands.describe(
        set="A problem set of the bank (e.g. aime_2025)", difficulty="A difficulty of that set"
    )
    @app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)
    async def practice(interaction: discord.Interaction, set: str = "", difficulty: str = "") -> None:
        await handlers.on_practice(ctx, interaction, set, difficulty)

    @app_commands.command(name="leaderboard", description="Who solved the most practice problems.")
    @app_commands.describe(
        period="This week, this month or all time", scope="This channel or the whole server"
    )
    @app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)
    async def leaderboard(
        interaction: discord.Interaction,
        period: Literal["week", "month", "all"] = "week",
        scope: Literal["channel", "server"] = "channel",
    ) -> None:
        await handlers.on_leaderboard(ctx, interaction, period, scope)

    group = app_commands.Group(
        name="mathbot",
        description="mathbot's settings for this channel (Manage Channels)",
        default_permissions=discord.Permissions(manage_channels=True),
        allowed_contexts=app_commands.AppCommandContext(guild=True),
    )
    daily = app_commands.Group(name="daily", description="A problem of the day in this channel", parent=group)

    @group.command(name="study", description="Study mode: hide mathbot's answers behind hints and reveals")
    async def study(interaction: discord.Interaction, mode: Literal["on", "off"]) -> None:
        await _run(
            ctx,
            interaction,
            lambda where: commands.study(ctx.ingest.connection, ctx.ingest.settings, where, mode == "on"),
        )

    @daily.command(name="on", description="Post a problem every day (or week) at a time of your time zone")
    @app_commands.describe(
        time="HH:MM, 24-hour clock",
        zone="A time zone such as Europe/Paris",
        set="A problem set",
        weekly="Weekly",
    )
    async def daily_on(
        interaction: discord.Interaction,
        time: str,
        zone: str,
        set: str = "",
        weekly: bool = False,
    ) -> None:
        await _run(
            ctx,
            interaction,
            lambda where: commands.daily_on(
                ctx.ingest.connection,
                ctx.ingest.settings,
                where,
                time=time,
                zone=zone,
                set_name=set or None,
                weekly=weekly,
            ),
        )

    @daily.command(name="off", description="No more problems of the day here")
    async def daily_off(interaction: discord.Interaction) -> None:
        await _run(ctx, interaction, lambda where: commands.daily_off(ctx.ingest.connection, where))

    @daily.command(name="show", description="When the next problem of the day comes")
    async def daily_show(interaction: discord.Interaction) -> None:
        await _run(ctx, interaction, lambda where: commands.daily_status(ctx.ingest.connection, where))

    return [check, practice, leaderboard, group]


async def _run(ctx: Context, interaction: discord.Interaction, command) -> None:  # type: ignore[no-untyped-def]
    if not await first_delivery(ctx, interaction):
        return
    where = handlers.where_of(await handlers.who_of(ctx, interaction), interaction)
    said = await asyncio.to_thread(command, where)
    await handlers.answer_command(interaction, said)
