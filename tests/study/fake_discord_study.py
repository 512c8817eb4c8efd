"""The fake Discord, plus what the study features use, as Discord does it:

- a modal as an interaction's response (callback type 9: custom id, title of 1-45 characters, 1-5 rows
  of text inputs with labels of 1-45), recorded in `modals`; `submit_modal` sends the MODAL_SUBMIT
  interaction (type 5) Discord sends when the person sends the form;
- member permissions per person (`member_permissions`: resolved in the interaction's `member.permissions`,
  as Discord sends them; everyone else has all of them);
- subcommands and groups (`subcommand`), boolean options;
- direct-message channels (`POST /users/@me/channels`);
- what each person saw privately (`seen_by`: ephemeral responses and follow-ups, and DMs) and what
  everyone sees (`public`).

A subclass, so it stays out of the way of the fake's own file.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from aiohttp import web

from tests.discord.fake_discord import (
    ALICE,
    BOT_ID,
    CHANNEL_ID,
    COMMAND_ID,
    Call,
    FakeDiscord,
    json_response,
    snowflake,
)

MODAL_TITLE_LIMIT = 45
TEXT_INPUT_LABEL_LIMIT = 45


def _option(name: str, value: str | int | bool) -> dict[str, Any]:
    kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 3  # BOOLEAN, INTEGER, STRING
    return {"name": name, "type": kind, "value": value}


class StudyDiscord(FakeDiscord):
    ROUTES: ClassVar[list[tuple[str, str, str]]] = [
        ("POST", r"/users/@me/channels", "post_dm"),
        *FakeDiscord.ROUTES,
    ]

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.modals: list[dict[str, Any]] = []
        """Modals shown, oldest first, with the user they were shown to (`user`)."""
        self.member_permissions: dict[str, int] = {}
        """User id → the permission bits Discord resolves for them in any channel (default: all)."""
        self.private: list[tuple[str, dict[str, Any]]] = []
        """(user id, message) of ephemeral follow-ups."""
        self.dm_channels: dict[str, str] = {}
        """DM channel id → the user it is with."""

    async def post_callback(self, call: Call, interaction: str, token: str) -> dict[str, Any] | web.Response:
        body = call.json if isinstance(call.json, dict) else {}
        if body.get("type") != 9:
            return await super().post_callback(call, interaction, token)
        found = self.interactions.get(int(interaction))
        if found is None or found["token"] != token:
            return json_response({"message": "Unknown interaction", "code": 10062}, 404)
        if int(interaction) in self.answered_interactions:
            return json_response(
                {"message": "Interaction has already been acknowledged.", "code": 40060}, 400
            )
        data = body.get("data") or {}
        inputs = [
            c for row in data.get("components") or [] for c in row.get("components") or [row.get("component")]
        ]
        valid = (
            1 <= len(data.get("title") or "") <= MODAL_TITLE_LIMIT
            and 1 <= len(data.get("custom_id") or "") <= 100
            and 1 <= len(data.get("components") or []) <= 5
            and all(c and 1 <= len(c.get("label") or "x") <= TEXT_INPUT_LABEL_LIMIT for c in inputs)
        )
        if not valid:
            return json_response({"message": "Invalid Form Body", "code": 50035}, 400)
        self.answered_interactions[int(interaction)] = time.monotonic()
        self.modals.append({**data, "user": found["user"]["id"], "channel_id": found["channel_id"]})
        if call.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        return {"interaction": {"id": interaction, "type": found["type"]}, "resource": {"type": 9}}

    async def post_followup(self, call: Call, app: str, token: str) -> dict[str, Any] | web.Response:
        result = await super().post_followup(call, app, token)
        found = self._interaction_by_token(token)
        if isinstance(result, dict) and found is not None and result["flags"] & 64:
            self.private.append((found["user"]["id"], result))
        return result

    async def post_dm(self, call: Call) -> dict[str, Any]:
        recipient = str((call.json or {}).get("recipient_id")) if isinstance(call.json, dict) else ""
        channel = next((c for c, u in self.dm_channels.items() if u == recipient), None) or str(snowflake())
        self.dm_channels[channel] = recipient
        return {"id": channel, "type": 1, "recipients": [{"id": recipient}], "last_message_id": None}

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        member = data.get("member") if event == "INTERACTION_CREATE" else None
        if member and member["user"]["id"] in self.member_permissions:
            member["permissions"] = str(self.member_permissions[member["user"]["id"]])
        await super().dispatch(event, data)

    # ---- what a person does -------------------------------------------------------------------------

    async def subcommand(
        self,
        command: str,
        path: list[str],
        options: dict[str, str | int | bool],
        *,
        channel: int = CHANNEL_ID,
        author: dict[str, Any] = ALICE,
    ) -> dict[str, Any]:
        """`/command group sub option:value …` (a subcommand, or one of a group: `path`)."""
        inner: list[dict[str, Any]] = [_option(k, v) for k, v in options.items()]
        for depth, name in reversed(list(enumerate(path))):
            kind = 1 if depth == len(path) - 1 else 2  # SUB_COMMAND, SUB_COMMAND_GROUP
            inner = [{"name": name, "type": kind, "options": inner}]
        data = {"id": str(COMMAND_ID), "name": command, "type": 1, "options": inner}
        return await self._interact(2, data, channel, author)

    async def command(
        self,
        command: str,
        options: dict[str, str | int | bool],
        *,
        channel: int = CHANNEL_ID,
        author: dict[str, Any] = ALICE,
    ) -> dict[str, Any]:
        """`/command option:value …` with any option types (booleans too)."""
        data = {
            "id": str(COMMAND_ID),
            "name": command,
            "type": 1,
            "options": [_option(k, v) for k, v in options.items()],
        }
        return await self._interact(2, data, channel, author)

    async def submit_modal(
        self, modal: dict[str, Any], values: dict[str, str], *, author: dict[str, Any] = ALICE
    ) -> dict[str, Any]:
        """The person sends the form `modal` with `values` (text input custom id → text)."""
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": custom_id, "value": value}]}
            for custom_id, value in values.items()
        ]
        data = {"custom_id": modal["custom_id"], "components": rows}
        return await self._interact(5, data, int(modal["channel_id"]), author)

    # ---- what tests look at ----------------------------------------------------------------------

    def seen_by(self, user_id: int | str) -> list[dict[str, Any]]:
        """What only this person saw: ephemeral responses (as edited since), ephemeral follow-ups and
        direct messages from mathbot, oldest first."""
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
        """Every message of mathbot that anyone in the server can read now."""
        return [
            m
            for m in self.messages.values()
            if not m["flags"] & 64
            and m["author"]["id"] == str(BOT_ID)
            and int(m["channel_id"]) in self.channels
        ]
