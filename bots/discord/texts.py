"""Discord-only user-facing texts (the shared ones live in mathbot/messages.py), and how shared words are
decorated on Discord (`STYLE`): plain words, no secrets."""

from __future__ import annotations

import re

from mathbot import present, render

CONTENT_LIMIT = 2000
"""Characters of content in one Discord message."""

_MARKUP = re.compile(r"([*_~|`\\])")


def escape(text: str) -> str:
    """Plain text shown literally in Discord markdown (markup characters escaped, mentions defused)."""
    return render.neutralize_mentions(_MARKUP.sub(r"\\\1", text), "discord")


STYLE = present.Style(heading=lambda label: f"**{label}…**", escape=escape, limit=CONTENT_LIMIT)
"""Discord markdown: bold with double asterisks, markup characters escaped, mentions defused."""

DEFAULT_THREAD_NAME = "Math problem"

NO_ATTACHMENTS = "reasoning not attached: mathbot lacks the Attach Files permission here"
"""Footer of an answer delivered without its files, because Discord refused them (50013)."""


def solution_cut(chars: int, attached: str | None) -> str:
    """The note closing an answer too long to post whole (`attached`: the file with the whole solution)."""
    head = f"The solution is too long to post whole: its last {chars:,} characters"
    return f"{head} are in the attached {attached}." if attached else f"{head} were left out."


FOLLOW_UP = "Reply in this thread to ask a follow-up."
FOLLOW_UP_MENTION = "Mention me in this thread to ask a follow-up."
FOLLOW_UP_DM = "Reply to this message (Discord's Reply) to ask a follow-up."
MENTION_HINT = (
    "I can only read messages in this thread that mention me: start your follow-up with a mention of mathbot."
)
"""Said once per thread when a follow-up arrives empty because the Message Content intent is off."""

CANNOT_POST = (
    "mathbot cannot post in this channel, so it cannot answer here. A server admin can give it "
    "*View Channel* and *Send Messages* (or *Create Public Threads* and *Send Messages in Threads*) in "
    "this channel; until then, use /solve in another channel or in a DM with mathbot."
)
"""Told privately to whoever uses /solve (or "Try again") where mathbot may not post."""

CANCEL_LABEL = "Cancel"

CANCEL_REFUSED = {
    "not_yours": "Only the person who asked this question can cancel it.",
    "finished": "This question is already finished: there is nothing left to cancel.",
    "unknown": "There is no queued or running question on this message to cancel.",
    "unavailable": "mathbot could not reach its queue to cancel this question. Please try again in a minute.",
}
"""What a click on the cancel button tells the clicker (only them) when it cancels nothing, by outcome."""

RETRY_LABEL = "Try again"

RETRY_REFUSED = {
    "not_yours": "Only the person who asked can retry.",
    "already": "This question is already being asked again: see the newest answer below.",
    "gone": "This question is no longer stored, so it cannot be asked again. Please ask it anew.",
    "unavailable": "mathbot could not reach its queue to ask again. Please try again in a minute.",
    "unpostable": CANNOT_POST,
}
"""What a click on "Try again" tells the clicker (only them) when it asks nothing again, by outcome."""

VOTE_REFUSED = {
    **RETRY_REFUSED,
    "not_yours": "Only the person who asked can check this answer with more samples.",
    "already": "This answer is already being checked: see the newest answer below.",
}
"""What a click on "Check with N samples" tells the clicker (only them) when it asks nothing."""
