"""mathbot's buttons as one discord.py dynamic item: "Cancel", "Try again" and "Check with N samples".

A button's `custom_id` is a constant per kind (`layout.BUTTONS`): the question is found by the message
the button sits on, so a button needs no per-message state and keeps working after the adapter
restarts. The worker sends the same buttons as raw JSON with its edits (`layout.*_components`).

A click is handed to the client as the custom event `<kind>_click` (`cancel_click`, `retry_click`,
`vote_click`), so `MathbotClient`, which holds the handlers' context, answers it. A study card's button
(Hint, Show answer, Submit answer, ...) carries its card's ref in its custom id (`mathbot:<kind>:<ref>`)
and is handed over as `study_click` with its kind and ref.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bots.discord import layout, texts
from mathbot import present
from mathbot.study import texts as study_texts

LABELS = {
    "cancel": texts.CANCEL_LABEL,
    "retry": texts.RETRY_LABEL,
    "vote": present.vote_label(0),
    **study_texts.ACTION_LABELS,
}
"""Labels discord.py gives a button it rebuilds for a click (the shown label is the one the worker sent)."""

STYLES = {1: discord.ButtonStyle.primary, 2: discord.ButtonStyle.secondary}


def click_event(kind: str) -> str:
    """The client event a click on a button of `kind` is dispatched as."""
    return f"{kind}_click"


class Button(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mathbot:(?P<kind>"
    + "|".join(map(re.escape, layout.BUTTONS))
    + r")(?::(?P<ref>[0-9a-f]{1,64}))?",
):
    """Any of mathbot's buttons; registered once with `Client.add_dynamic_items`."""

    def __init__(self, kind: str, ref: str = "") -> None:
        spec = layout.BUTTONS[kind]
        self.kind, self.ref = kind, ref
        custom_id = f"{spec.custom_id}:{ref}" if ref else spec.custom_id
        super().__init__(
            discord.ui.Button(
                style=STYLES[spec.style], label=LABELS[kind], emoji=spec.emoji, custom_id=custom_id
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Button:
        """discord.py builds the item for a click on any message carrying the button."""
        return cls(match["kind"], match["ref"] or "")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Hand the click to the client, which knows the queue."""
        if self.ref:
            interaction.client.dispatch("study_click", interaction, self.kind, self.ref)
        else:
            interaction.client.dispatch(click_event(self.kind), interaction)


def cancel_view() -> discord.ui.View:
    """A view holding only the cancel button, for the adapter's "queued" edit of the placeholder.

    Only dynamic items: discord.py keeps no per-message state for it (clicks are routed by `custom_id`).
    """
    buttons = discord.ui.View(timeout=None)
    buttons.add_item(Button("cancel"))
    return buttons
