"""What tests do to the fake Discord: users post, run commands, click and send forms; the gateway drops or
redelivers; channels appear, threads are archived, REST calls are rate limited or fail; and what tests
read back (also per person: `seen_by`, and what everyone sees: `public`)."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any

from tests.fakes.discord.model import (
    ALICE,
    BOT,
    BOT_ID,
    CHANNEL_ID,
    COMMAND_ID,
    GUILD_ID,
    Call,
    RateLimit,
    now,
    snowflake,
)
from tests.fakes.discord.rest import Rest


def _option(name: str, value: str | int | bool) -> dict[str, Any]:
    kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 3  # BOOLEAN, INTEGER, STRING
    return {"name": name, "type": kind, "value": value}


class Controls(Rest):
    """Events injected from the test (run them on the fake's loop), failures to inject, and queries."""

    def rate_limit(self, method: str, path: str, retry_after: float = 0.5, count: int = 1) -> None:
        """The next `count` calls of METHOD matching the `path` regex get a 429."""
        self.rate_limits.append(RateLimit(method, re.compile(path), retry_after, count))

    def fail_after_create(self, count: int = 1) -> None:
        """The next `count` message creations succeed but are answered with a 500 (as Discord sometimes
        does under load): a client that retries without `enforce_nonce` posts the message twice."""
        self.failures_after_create = count

    async def add_channel(self, name: str, kind: int = 0, *, deny: int = 0) -> int:
        """Another guild channel (0 text, 2 voice, 5 announcement, 15 forum) where the bot lacks `deny`
        (a channel overwrite for its member): CHANNEL_CREATE is dispatched. Returns its id."""
        cid = snowflake()
        self.channels[cid] = {**self._text_channel(cid, name), "type": kind}
        if kind == 2:  # what discord.py needs of a voice channel
            self.channels[cid].update(bitrate=64000, user_limit=0, rtc_region=None)
        if deny:
            self.denied[cid] = deny
            overwrite = {"id": str(BOT_ID), "type": 1, "allow": "0", "deny": str(deny)}
            self.channels[cid]["permission_overwrites"] = [overwrite]
        await self.dispatch("CHANNEL_CREATE", self.channels[cid])
        return cid

    async def archive(self, thread: int | str, archived: bool = True) -> None:
        """A moderator (or the asker, for a forum post) archives the thread: THREAD_UPDATE is dispatched."""
        await self._set_archived(thread, archived)

    async def open_thread(self, name: str = "A thread", channel: int = CHANNEL_ID) -> int:
        """Alice starts a public thread from a message of hers (THREAD_CREATE); returns its id."""
        starter = self._message(channel, ALICE, {"content": name})
        call = Call("POST", f"/channels/{channel}/messages/{starter['id']}/threads", {"name": name})
        thread = await self.post_thread(call, str(channel), starter["id"])
        assert isinstance(thread, dict), thread
        thread["owner_id"] = ALICE["id"]
        return int(thread["id"])

    async def send_message(
        self,
        content: str,
        *,
        channel: int = CHANNEL_ID,
        author: dict[str, Any] = ALICE,
        mention_bot: bool = False,
        reply_to: int | None = None,
        hide_content: bool | None = None,
        mentions: Sequence[dict[str, Any]] = (),
    ) -> dict[str, Any]:
        """A user posts a message (MESSAGE_CREATE). With `mention_bot`, `<@bot>` starts the content;
        `mentions` are other users the content mentions (as `<@id>`, put there by the test).

        `hide_content` mimics a bot without the Message Content intent: the content arrives empty
        unless the message mentions the bot or is a DM (default: hidden when privileged intents are
        refused and the message neither mentions the bot nor is a DM).
        """
        text = f"<@{BOT_ID}> {content}" if mention_bot else content
        await self._unarchive_for_message(channel)
        message = self._message(
            channel, author, {"content": text}, mentions=[BOT] * mention_bot + list(mentions)
        )
        if reply_to is not None:
            ref = self.messages.get(reply_to)
            message["type"] = 19
            message["message_reference"] = {"message_id": str(reply_to), "channel_id": str(channel)}
            message["referenced_message"] = ref
        if hide_content is None:
            hide_content = not self._reads_content() and not mention_bot and channel in self.channels
        event = dict(message)
        if hide_content:
            event["content"] = ""
        await self.dispatch("MESSAGE_CREATE", event)
        return message

    async def drop_connection(self, replay: Sequence[dict[str, Any]] = ()) -> None:
        """The gateway drops the connection with a resumable close code (4000); the client's RESUME gets
        `replay` (MESSAGE_CREATEs it already had) before RESUMED, as Discord replays missed events."""
        self.replay = [("MESSAGE_CREATE", message) for message in replay]
        for ws in list(self.sockets):
            self.sockets.remove(ws)
            await ws.close(code=4000, message=b"Unknown error")

    async def redeliver(self, message: dict[str, Any]) -> None:
        """The gateway sends the same MESSAGE_CREATE again (as after a resume)."""
        await self.dispatch("MESSAGE_CREATE", message)

    async def redeliver_interaction(self, interaction: dict[str, Any]) -> None:
        """The gateway sends the same INTERACTION_CREATE again."""
        await self.dispatch("INTERACTION_CREATE", self._interaction_event(interaction))

    async def slash(
        self,
        command: str,
        options: dict[str, str | int],
        *,
        channel: int = CHANNEL_ID,
        author: dict[str, Any] = ALICE,
    ) -> dict[str, Any]:
        """A user runs a slash command (INTERACTION_CREATE); returns the interaction payload."""
        data = {
            "id": str(COMMAND_ID),
            "name": command,
            "type": 1,
            "options": [  # 4: INTEGER, 3: STRING
                {"name": k, "type": 4 if isinstance(v, int) else 3, "value": v} for k, v in options.items()
            ],
        }
        return await self._interact(2, data, channel, author)

    async def command(
        self,
        command: str,
        options: dict[str, str | int | bool],
        *,
        path: Sequence[str] = (),
        channel: int = CHANNEL_ID,
        author: dict[str, Any] = ALICE,
    ) -> dict[str, Any]:
        """A user runs `/command [group] [sub] option:value …` (any option types: strings, integers,
        booleans; `path` names a subcommand, or a group and its subcommand)."""
        inner: list[dict[str, Any]] = [_option(k, v) for k, v in options.items()]
        for depth, name in reversed(list(enumerate(path))):
            kind = 1 if depth == len(path) - 1 else 2  # SUB_COMMAND, SUB_COMMAND_GROUP
            inner = [{"name": name, "type": kind, "options": inner}]
        data = {"id": str(COMMAND_ID), "name": command, "type": 1, "options": inner}
        return await self._interact(2, data, channel, author)

    async def submit_modal(
        self, modal: dict[str, Any], values: dict[str, str], *, author: dict[str, Any] = ALICE
    ) -> dict[str, Any]:
        """The person sends the form `modal` (one of `modals`) with `values` (text input id → text): the
        MODAL_SUBMIT interaction (type 5) Discord sends."""
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]} for k, v in values.items()
        ]
        data = {"custom_id": modal["custom_id"], "components": rows}
        return await self._interact(5, data, int(modal["channel_id"]), author)

    async def click(
        self,
        message_id: int | str,
        custom_id: str,
        *,
        author: dict[str, Any] = ALICE,
        seen: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A user clicks a button on a message (a component INTERACTION_CREATE carrying the message as
        Discord has it now, or as `seen` when the click raced an edit); returns the interaction payload."""
        message = seen or self.messages[int(message_id)]
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._interact(3, data, int(message["channel_id"]), author, message=dict(message))

    async def _interact(
        self,
        kind: int,
        data: dict[str, Any],
        channel: int,
        author: dict[str, Any],
        *,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        iid = snowflake()
        in_guild = channel in self.channels
        interaction: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(BOT_ID),
            "type": kind,
            "data": data,
            **({"message": message} if message is not None else {}),
            "channel_id": str(channel),
            "channel": self.channels.get(channel, {"id": str(channel), "type": 1}),
            "token": f"itoken-{iid}",
            "version": 1,
            "app_permissions": str(self.bot_permissions(channel)),
            "locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(GUILD_ID)} if in_guild else {"1": author["id"]},
            "context": 0 if in_guild else 1,
            "attachment_size_limit": 8 * 1024 * 1024,
            "user": author,
        }
        if in_guild:
            interaction["guild_id"] = str(GUILD_ID)
            interaction["guild_locale"] = "en-US"
            interaction["member"] = {
                "user": author,
                "roles": [],
                "joined_at": now(),
                "deaf": False,
                "mute": False,
                "flags": 0,
                "permissions": str(self.member_permissions.get(author["id"], (1 << 53) - 1)),
            }
        self.interactions[iid] = interaction
        self.interaction_sent[iid] = time.monotonic()
        await self.dispatch("INTERACTION_CREATE", self._interaction_event(interaction))
        return interaction

    @staticmethod
    def _interaction_event(interaction: dict[str, Any]) -> dict[str, Any]:
        """In a guild the user comes as `member.user`; in a DM as `user`."""
        return {k: v for k, v in interaction.items() if k != "user" or "member" not in interaction}

    def message_calls(self) -> list[Call]:
        """Every call that sends or edits a message (channel messages, edits, interaction responses but
        a deferred update (type 6), which only acknowledges a click and carries no message)."""
        return [
            c
            for c in self.calls
            if (c.method in ("POST", "PATCH") and re.fullmatch(r"/channels/\d+/messages(/\d+)?", c.path))
            or (c.path.endswith("/callback") and not (isinstance(c.json, dict) and c.json.get("type") == 6))
            or (c.path.startswith("/webhooks/") and c.method in ("POST", "PATCH"))
        ]

    def channel_messages(self, channel: int | str) -> list[dict[str, Any]]:
        """Messages currently in a channel or thread, oldest first (not ephemeral ones: only their
        recipient sees those)."""
        return [m for m in self.messages.values() if m["channel_id"] == str(channel) and not m["flags"] & 64]

    def seen_by(self, user_id: int | str) -> list[dict[str, Any]]:
        """What only this person saw from mathbot, oldest first: ephemeral responses (as edited since),
        ephemeral follow-ups and direct messages."""
        uid = str(user_id)
        responses = [
            m
            for m in self.messages.values()
            if m["flags"] & 64 and (m.get("interaction_metadata") or {}).get("user", {}).get("id") == uid
        ]
        followups = [m for who, m in self.private if who == uid]
        dms = [m for m in self.messages.values() if self.dm_channels.get(m["channel_id"]) == uid]
        return sorted(responses + followups + dms, key=lambda m: int(m["id"]))

    def public(self) -> list[dict[str, Any]]:
        """Every message of mathbot's that anyone in the server can read now."""
        return [
            m
            for m in self.messages.values()
            if not m["flags"] & 64
            and m["author"]["id"] == str(BOT_ID)
            and int(m["channel_id"]) in self.channels
        ]

    def bot_messages(self, channel: int | str) -> list[dict[str, Any]]:
        return [m for m in self.channel_messages(channel) if m["author"]["id"] == str(BOT_ID)]
