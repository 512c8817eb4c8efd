"""The buttons that ask a question again, as discord.py dynamic items: "Try again" on a truncated answer
or a retryable error, and "Check with N samples" on a complete answer (majority voting).

Like the cancel button (`bots.discord.cancel`), its `custom_id` is a constant, `format.RETRY_ID`: the
question is found by the message the button sits on (its placeholder, which became the answer or the
error), so the button needs no per-message state and keeps working after the adapter restarts. The
worker sends it as raw JSON with the answer or error edit (`format.retry_components`); the adapter
removes it once the question is asked again.

A click is handed to the client as the custom event `CLICK_EVENT`, so `MathbotClient` (which holds
the handlers' context) answers it: see `handlers.on_retry`; likewise `VOTE_EVENT` and `handlers.on_vote`.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bots.discord import format

CLICK_EVENT = "retry_click"
"""Dispatched on the client for every click: `MathbotClient.on_retry_click(interaction)` handles it."""

VOTE_EVENT = "vote_click"
"""Dispatched for a click on "Check with N samples": `MathbotClient.on_vote_click(interaction)`."""


class RetryButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=re.escape(format.RETRY_ID)):
    """The "🔁 Try again" button; registered once with `Client.add_dynamic_items`."""

    def __init__(self) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.primary,
                label=format.RETRY_LABEL,
                emoji=format.RETRY_EMOJI,
                custom_id=format.RETRY_ID,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RetryButton:
        """discord.py builds the item for a click on any message carrying the button."""
        return cls()

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Hand the click to the client (`on_retry_click`), which knows the queue."""
        interaction.client.dispatch(CLICK_EVENT, interaction)


class VoteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=re.escape(format.VOTE_ID)):
    """The "🗳 Check with N samples" button; registered once with `Client.add_dynamic_items`. Its label
    was written by the worker; a click asks for as many samples as MATHBOT_VOTE_SAMPLES says now."""

    def __init__(self) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                label=format.vote_label(0),
                emoji=format.VOTE_EMOJI,
                custom_id=format.VOTE_ID,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> VoteButton:
        return cls()

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Hand the click to the client (`on_vote_click`)."""
        interaction.client.dispatch(VOTE_EVENT, interaction)
