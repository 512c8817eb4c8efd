"""The "Try again" button on a truncated answer or a retryable error, as a discord.py dynamic item.

Like the cancel button (`bots.discord.cancel`), its `custom_id` is a constant, `format.RETRY_ID`: the
question is found by the message the button sits on (its placeholder, which became the answer or the
error), so the button needs no per-message state and keeps working after the adapter restarts. The
worker sends it as raw JSON with the answer or error edit (`format.retry_components`); the adapter
removes it once the question is asked again.

A click is handed to the client as the custom event `CLICK_EVENT`, so `MathbotClient` (which holds
the handlers' context) answers it: see `handlers.on_retry`.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bots.discord import format

CLICK_EVENT = "retry_click"
"""Dispatched on the client for every click: `MathbotClient.on_retry_click(interaction)` handles it."""


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
