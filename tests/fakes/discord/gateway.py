"""The gateway websocket, speaking Discord's protocol: HELLO, IDENTIFY → READY + GUILD_CREATE (or a
close code for a bad token or refused intents), heartbeat ACKs, RESUME → replay + RESUMED, dispatches."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.discord.model import ALICE_ID, BOT, BOT_ID, GUILD_ID, PRIVILEGED_INTENTS, TOKEN, now
from tests.fakes.discord.permissions import EVERYONE_PERMISSIONS
from tests.fakes.discord.state import DiscordState


class Gateway(DiscordState):
    """The gateway connections, and `dispatch` of an event to every connected client."""

    def _reads_content(self) -> bool:
        return any(i.get("intents", 0) & (1 << 15) for i in self.identifies[-1:])

    async def gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.ws_queries.append(dict(request.query))
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            msg = json.loads(frame.data)
            op = msg.get("op")
            if op == 1:
                await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif op == 2:
                await self._identify(ws, msg["d"])
            elif op == 6:
                self.resumes.append(msg["d"])
                self.sockets.append(ws)
                for event, data in self.replay:  # what Discord thinks the session missed, again
                    await self._send(ws, event, data)
                self.replay = []
                await self._send(ws, "RESUMED", {})
        if ws in self.sockets:
            self.sockets.remove(ws)
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        self.identifies.append(data)
        if data.get("token") != TOKEN:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        if not self.allow_privileged and data.get("intents", 0) & PRIVILEGED_INTENTS:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        self.sockets.append(ws)
        ready = {
            "v": 10,
            "user": {**BOT, "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
            "session_id": f"session-{len(self.identifies)}",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(BOT_ID), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        await self._send(ws, "READY", ready)
        await self._send(ws, "GUILD_CREATE", self._guild())

    def _guild(self) -> dict[str, Any]:
        return {
            "id": str(GUILD_ID),
            "name": "Math Club",
            "icon": None,
            "owner_id": str(ALICE_ID),
            "roles": [
                {
                    "id": str(GUILD_ID),
                    "name": "@everyone",
                    "permissions": str(EVERYONE_PERMISSIONS),
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
            ],
            "emojis": [],
            "stickers": [],
            "features": [],
            "member_count": 3,
            "members": [
                {"user": BOT, "roles": [], "joined_at": now(), "deaf": False, "mute": False, "flags": 0}
            ],
            "channels": [c for c in self.channels.values() if c["type"] == 0],
            "threads": [c for c in self.channels.values() if c["type"] == 11],
            "voice_states": [],
            "presences": [],
            "large": False,
            "unavailable": False,
            "joined_at": now(),
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "system_channel_flags": 0,
        }

    async def _send(self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        self.seq += 1
        await ws.send_json({"op": 0, "s": self.seq, "t": event, "d": data})

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        for ws in list(self.sockets):
            if not ws.closed:
                await self._send(ws, event, data)
