"""The slash commands: `/solve problem:<text>` (one small file per command group)."""

# No `from __future__ import annotations` here: discord.py reads the parameter annotations
# (the Range below) at decoration time to build the command's options.

import discord
from discord import app_commands

from bots.discord import handlers

MAX_PROBLEM_CHARS = 4000
"""Longest /solve problem (Discord allows up to 6,000 in a string option; 4,000 fits an embed)."""


def solve_command(ctx: handlers.Context) -> app_commands.Command:  # type: ignore[type-arg]
    """`/solve`, bound to the adapter's context; usable in servers and in DMs with mathbot."""
    most = ctx.ingest.settings.max_samples

    @app_commands.command(
        name="solve", description="Ask mathbot a math problem; the answer comes in a thread."
    )
    @app_commands.describe(
        problem="The problem, in words and LaTeX (e.g. $x^2 = 2$)",
        samples=f"Answer it this many times at once and show the majority's answer (1-{most})",
    )
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    @app_commands.allowed_installs(guilds=True, users=False)
    async def solve(
        interaction: discord.Interaction,
        problem: app_commands.Range[str, 1, MAX_PROBLEM_CHARS],
        samples: app_commands.Range[int, 1, most] = 1,  # type: ignore[valid-type]
    ) -> None:
        await handlers.on_solve(ctx, interaction, problem, samples)

    return solve
