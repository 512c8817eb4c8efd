"""Pure parsing of Slack message events: which ones are questions, where they are answered, their text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["mention", "dm", "thread_reply"]

QUESTION_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})
"""Message subtypes that carry a person's words; edits, deletions, joins and bot posts are not questions."""

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_SUBTEAM = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>")
_OTHER_SPECIAL = re.compile(r"<![^>]*>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^>|]+)(?:\|([^>]*))?>")


@dataclass(frozen=True)
class Incoming:
    """A message that may be a question, with where its answer goes."""

    kind: Kind
    channel: str
    ts: str
    """The message's own ts (a dedupe key, with the channel)."""
    thread: str
    """The thread_ts the answer goes in: the message's thread, or the message itself."""
    text: str
    """The question with the bot's mention removed and Slack's markup turned back into plain text."""
    user: str
    team: str | None


def mentions(text: str, user_id: str) -> bool:
    """Whether `text` mentions the user (in Slack's `<@U…>` markup)."""
    return any(m.group(1) == user_id for m in _USER.finditer(text or ""))


def mentions_others(text: str, user_id: str) -> bool:
    """Whether `text` mentions someone other than `user_id`: such a thread reply talks to a person."""
    return any(m.group(1) != user_id for m in _USER.finditer(text or ""))


def clean_text(text: str, bot_user_id: str | None) -> str:
    """Slack message markup → plain text for the model: drop the bot's mention, name the others.

    `<@U1|ann>` → `@ann`, `<!here>` → `@here` (plain text never pings), links → their label,
    and Slack's HTML escapes (`&lt;`, `&gt;`, `&amp;`) back to the characters people typed.
    """

    def user(m: re.Match[str]) -> str:
        if bot_user_id and m.group(1) == bot_user_id:
            return ""
        return "@" + (m.group(2) or "someone")

    text = _USER.sub(user, text or "")
    text = _SPECIAL.sub(lambda m: "@" + m.group(1), text)
    text = _SUBTEAM.sub(lambda m: m.group(1) or "@group", text)
    text = _OTHER_SPECIAL.sub("", text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or "channel"), text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text.strip()


SLACKBOT = "USLACKBOT"
"""Slackbot's user id: its messages (reminders, notices) carry no bot_id but are no questions."""


def is_from_bot(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """Messages by any bot (ours included) are never questions: bots answering bots loop forever."""
    return bool(
        event.get("bot_id")
        or event.get("subtype") == "bot_message"
        or event.get("user") == SLACKBOT
        or (bot_user_id and event.get("user") == bot_user_id)
    )


def route(event: dict[str, Any], bot_user_id: str | None, team: str | None = None) -> Incoming | None:
    """Decide what an `app_mention` or `message` event is; None when it is not for mathbot.

    `team` is the workspace the app is installed in (whose rate limits the answer spends); the
    event's own `team` is the author's, which differs in Slack Connect channels, so it is only a
    fallback. An edited message is never a question: Slack sends a fresh `app_mention` (new event
    id, same ts, an `edited` field) for every edit of a mention, which would ask it again once the
    dedupe window is over.

    - an `app_mention`, or a channel message mentioning the bot → "mention"
    - any message in a DM (channel_type "im") → "dm"
    - a thread reply in a channel without a mention of the bot → "thread_reply" (a follow-up,
      but only if mathbot answers in that thread: the caller checks, as that needs Redis);
      a reply that mentions other people and not the bot is talk between people: ignored.
    Each is answered in the message's thread, or in a new thread under the message.
    """
    if event.get("subtype") not in QUESTION_SUBTYPES or is_from_bot(event, bot_user_id):
        return None
    if event.get("edited"):
        return None
    channel, ts, user = event.get("channel"), event.get("ts"), event.get("user")
    if not (channel and ts and user):
        return None
    raw = event.get("text") or ""
    thread_ts = event.get("thread_ts")
    team = team or event.get("team")
    kind: Kind
    if event.get("type") == "app_mention" or (bot_user_id and mentions(raw, bot_user_id)):
        kind = "mention"
    elif event.get("channel_type") == "im":
        kind = "dm"
    elif thread_ts and thread_ts != ts and not (bot_user_id and mentions_others(raw, bot_user_id)):
        kind = "thread_reply"
    else:
        return None
    return Incoming(kind, channel, ts, thread_ts or ts, clean_text(raw, bot_user_id), user, team)
