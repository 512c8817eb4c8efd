"""The permission model: what the bot may do in a channel (the invite's permissions minus a channel's
`deny`, threads inheriting their parent's), and whom a message would notify (`allowed_mentions` applied)."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from tests.fakes.discord.model import ALICE, BOB, BOT, OTHER_BOT, THREAD_TYPES, json_response, user
from tests.fakes.discord.state import DiscordState

VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
BOT_PERMISSIONS = 309237763072
"""What the README's invite URL grants: the seven permissions above."""
EVERYONE_PERMISSIONS = BOT_PERMISSIONS | (1 << 6) | (1 << 31)
"""The guild's @everyone role: the above plus Add Reactions and Use Application Commands (no admin)."""


class Permissions(DiscordState):
    """The bot's permissions per channel, and the mentions a message resolves to."""

    def bot_permissions(self, channel: int) -> int:
        """The bot's permissions in a guild channel or thread (DMs: BOT_PERMISSIONS)."""
        found = self.channels.get(channel)
        parent = int(found["parent_id"]) if found and found["type"] in THREAD_TYPES else channel
        return BOT_PERMISSIONS & ~self.denied.get(parent, 0) & ~self.denied.get(channel, 0)

    def _forbidden(self, channel: int, needed: int) -> web.Response | None:
        missing = needed & ~self.bot_permissions(channel) if channel in self.channels else 0
        if missing & VIEW_CHANNEL:
            return json_response({"message": "Missing Access", "code": 50001}, 403)
        if missing:
            return json_response({"message": "Missing Permissions", "code": 50013}, 403)
        return None

    def _resolve_mentions(
        self, message: dict[str, Any], body: dict[str, Any], replied: dict[str, Any] | None
    ) -> None:
        """Set the message's mentions as Discord would, `allowed_mentions` applied, and record the pings.
        Without `allowed_mentions` Discord parses everything and pings the replied-to author."""
        allowed = body.get("allowed_mentions")
        if allowed is None:
            allowed = {"parse": ["users", "roles", "everyone"], "replied_user": True}
        parse = allowed.get("parse") or []
        content = message.get("content") or ""
        users = {
            u for u in re.findall(r"<@!?(\d+)>", content) if "users" in parse or u in allowed.get("users", [])
        }
        roles = {
            r for r in re.findall(r"<@&(\d+)>", content) if "roles" in parse or r in allowed.get("roles", [])
        }
        everyone = "everyone" in parse and bool(re.search(r"@(everyone|here)\b", content))
        if replied is not None and allowed.get("replied_user"):
            users.add(replied["author"]["id"])
        known = {u["id"]: u for u in (BOT, ALICE, BOB, OTHER_BOT)}
        message["mentions"] = [known.get(u, user(int(u), f"user{u}")) for u in sorted(users)]
        message["mention_roles"] = sorted(roles)
        message["mention_everyone"] = everyone
        self.pings += [(message["id"], whom) for whom in [*sorted(users), *sorted(roles)]]
        if everyone:
            self.pings.append((message["id"], "everyone"))
