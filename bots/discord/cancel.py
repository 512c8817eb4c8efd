"""The cancel button on a question's placeholder, as a discord.py dynamic item.

The button's `custom_id` is the constant `format.CANCEL_ID`: the question is found by the message the
button sits on (`queue.question_for_placeholder`), so the button needs no per-message state and keeps
working after the adapter restarts. The worker sends the same button as raw JSON with its progress
edits (`format.cancel_components`); its answer or error edit removes it.

A click is handed to the client as the custom event `CLICK_EVENT`, so `MathbotClient` (which holds
the handlers' context) answers it: see `handlers.on_cancel`.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bots.discord import format

CLICK_EVENT = "cancel_click"
"""Dispatched on the client for every click: `MathbotClient.on_cancel_click(interaction)` handles it."""


class CancelButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=re.escape(format.CANCEL_ID)):
    """The grey "🛑 Cancel" button; registered once with `Client.add_dynamic_items`."""

    def __init__(self) -> None:
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                label=format.CANCEL_LABEL,
                emoji=format.CANCEL_EMOJI,
                custom_id=format.CANCEL_ID,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CancelButton:
        """discord.py builds the item for a click on any message carrying the button."""
        return cls()

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Hand the click to the client (`on_cancel_click`), which knows the queue."""
        interaction.client.dispatch(CLICK_EVENT, interaction)


def view() -> discord.ui.View:
    """A view holding only the cancel button, for the adapter's "queued" edit of the placeholder.

    Only dynamic items: discord.py keeps no per-message state for it (clicks are routed by `custom_id`).
    """
    buttons = discord.ui.View(timeout=None)
    buttons.add_item(CancelButton())
    return buttons
