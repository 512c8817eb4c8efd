"""What the fake Discord holds (messages, channels, interactions, sockets, recorded calls), shared by
its REST, gateway and test-control parts."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.fakes.discord.model import (
    API_PREFIX,
    CHANNEL_ID,
    GUILD_ID,
    THREAD_TYPES,
    Call,
    RateLimit,
    attachments,
    now,
    snowflake,
)


class DiscordState:
    """State of the fake (messages, threads, interactions, sockets) and the payloads built from it."""

    def __init__(self, *, allow_privileged: bool = True, token_lifetime: float = 15 * 60) -> None:
        self.allow_privileged = allow_privileged
        self.token_lifetime = token_lifetime
        """Seconds an interaction token works for follow-ups and edits of the original response."""
        self.denied: dict[int, int] = {}
        """Channel id → permission bits the bot lacks there (threads inherit their parent's)."""
        self.pings: list[tuple[str, str]] = []
        """(message id, whom) for each mention a message would notify: "everyone", a user or role id."""
        self.nonces: dict[tuple[str, str], dict[str, Any]] = {}
        """(channel id, nonce) → the message created with it (`enforce_nonce`)."""
        self.failures_after_create = 0
        self.resumes: list[dict[str, Any]] = []
        """RESUME payloads received (op 6)."""
        self.replay: list[tuple[str, dict[str, Any]]] = []
        """Events sent again to the next RESUME, before RESUMED (see `drop_connection`)."""
        self.calls: list[Call] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.channels: dict[int, dict[str, Any]] = {CHANNEL_ID: self._text_channel(CHANNEL_ID, "general")}
        self.interactions: dict[int, dict[str, Any]] = {}
        self.answered_interactions: dict[int, float] = {}
        """Interaction id → monotonic time of its callback."""
        self.interaction_sent: dict[int, float] = {}
        self.followups: list[dict[str, Any]] = []
        """Interaction follow-up messages (ephemeral ones have flags & 64), oldest first."""
        self.modals: list[dict[str, Any]] = []
        """Modals shown (callback type 9), oldest first, with the user they were shown to (`user`)."""
        self.member_permissions: dict[str, int] = {}
        """User id → the permission bits Discord resolves for that member (default: all of them)."""
        self.private: list[tuple[str, dict[str, Any]]] = []
        """(user id, message) of ephemeral follow-ups: what only that person saw."""
        self.dm_channels: dict[str, str] = {}
        """DM channel id → the user it is with (`POST /users/@me/channels`)."""
        self.commands: dict[str, list[dict[str, Any]]] = {}
        """"global" or a guild id → the commands last registered there."""
        self.identifies: list[dict[str, Any]] = []
        self.ws_queries: list[dict[str, str]] = []
        self.sockets: list[web.WebSocketResponse] = []
        self.rate_limits: list[RateLimit] = []
        self.seq = 0
        self.base_url = ""
        """http://127.0.0.1:PORT once served (set by the test fixture)."""

    @property
    def api_url(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/gateway-ws"

    def _is_thread(self, channel: str | int) -> bool:
        found = self.channels.get(int(channel))
        return bool(found and found["type"] in THREAD_TYPES)

    def _archived(self, channel: str | int) -> bool:
        found = self.channels.get(int(channel))
        return bool(found and found["type"] in THREAD_TYPES and found["thread_metadata"]["archived"])

    def _text_channel(self, cid: int, name: str) -> dict[str, Any]:
        return {
            "id": str(cid),
            "type": 0,
            "guild_id": str(GUILD_ID),
            "name": name,
            "position": 0,
            "permission_overwrites": [],
            "parent_id": None,
            "nsfw": False,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "default_auto_archive_duration": 1440,
        }

    def _message(
        self,
        channel: int,
        author: dict[str, Any],
        body: dict[str, Any],
        files: list[tuple[str, bytes]] | None = None,
        *,
        mentions: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        mid = snowflake()
        in_guild = channel in self.channels
        message: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel),
            "author": author,
            "content": body.get("content") or "",
            "timestamp": now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": mentions or [],
            "mention_roles": [],
            "attachments": attachments(files or []),
            "embeds": body.get("embeds") or [],
            "pinned": False,
            "type": 0,
            "flags": body.get("flags") or 0,
            "components": body.get("components") or [],
        }
        if in_guild:
            message["guild_id"] = str(GUILD_ID)
            message["member"] = {"roles": [], "joined_at": now(), "deaf": False, "mute": False, "flags": 0}
        self.messages[mid] = message
        return message
