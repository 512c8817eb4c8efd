"""Slack-only user-facing texts (the shared ones live in mathbot/messages.py), and how shared words are
decorated on Slack (`STYLE`): plain words, no secrets."""

from __future__ import annotations

from mathbot import present, render

STYLE = present.Style(
    heading=lambda label: f"*{label}…*",
    escape=lambda text: render.neutralize_mentions(render.escape_plain(text, "slack"), "slack"),
    limit=3900,
)
"""Slack's mrkdwn: bold with single asterisks, `&<>` escaped, `@channel` & co. defused; ~4,000 chars a
message before `msg_too_long`."""

USAGE = (
    "Usage: `/solve <problem>`, for example "
    "`/solve Find the sum of all integer bases b > 9 for which 17_b divides 97_b.`\n"
    "I post your problem in the channel and answer in a thread under it (one to three minutes). "
    "You can also mention me with a problem, send me a direct message, "
    "or reply in one of my threads to ask a follow-up."
)

NOT_IN_CHANNEL = (
    "I can't post in this conversation. Invite me first (`/invite @mathbot`), "
    "or send me the problem in a direct message."
)

SHOW_REASONING = "Show reasoning"
TRY_AGAIN = "Try again"
CANCEL = "Cancel"


VOTE_ALREADY = "This answer is already being checked with more samples: see the newest answer in the thread."

CANCEL_CONFIRM_TITLE = "Cancel this question?"
CANCEL_CONFIRM_TEXT = "mathbot stops working on it and posts no answer. You can ask again later."
CANCEL_CONFIRM_YES = "Cancel it"
CANCEL_CONFIRM_NO = "Keep waiting"
"""The confirmation Slack shows before a "Cancel" click is sent (a stray click costs the answer)."""

CANCEL_NOT_YOURS = "Only the person who asked can cancel this question."
CANCEL_FINISHED = "This question is already finished."
CANCEL_FAILED = "mathbot could not cancel this question right now. Please try again in a minute."

REASONING_ALREADY = "The reasoning for this answer is already posted in the thread."
REASONING_GONE = "The reasoning for this answer is no longer stored, so it cannot be shown."
REASONING_FAILED = "mathbot could not upload the reasoning right now. Please try again in a minute."
RETRY_NOT_YOURS = "Only the person who asked can ask this question again."
VOTE_NOT_YOURS = "Only the person who asked can check this answer with more samples."
"""Told (only) to someone else who presses "Try again" or "Check with N samples": as on Discord, the
buttons spend the asker's limits and post in their thread, so they are the asker's."""
RETRY_ALREADY = "This question is already being asked again: see the newest answer in the thread."
RETRY_GONE = "This question is no longer stored, so it cannot be asked again. Please ask it anew."

IMAGES_COMMENT = "The solution's displayed formulas, typeset:"


def asked_via_solve(name: str) -> str:
    """The first line of the visible root message that /solve posts (the name never pings)."""
    return f"*{name}* asked (via `/solve`):"


def post_failed(error: str) -> str:
    """Told privately when Slack refuses the root message of /solve (the error is Slack's code)."""
    return f"mathbot could not post your problem here (Slack said `{error}`)."


def solution_cut(chars: int) -> str:
    """The note at the end of an answer too long to post whole."""
    return f"_(The solution is too long to post whole: {chars:,} more characters were left out.)_"
