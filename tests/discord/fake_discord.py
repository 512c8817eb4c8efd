"""A local fake of Discord for tests: the REST routes discord.py and the worker use, and a gateway
websocket speaking the real protocol (HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats, dispatches).

Every REST call is recorded (`FakeDiscord.calls`) with its JSON payload and uploaded files, so tests
can check what mathbot sent. Responses carry `Content-Type: application/json` exactly: discord.py
parses nothing else. Messages the bot creates are dispatched back as MESSAGE_CREATE (as Discord
does), so "ignore yourself" is exercised for real. Start it with `ThreadedApp(fake.app)`; inject
events from the test thread with `app.call(fake.send_message(...))`.

It refuses what real Discord refuses where mathbot could get it wrong: content over 2,000 characters,
embeds over their limits, more than 10 files, malformed `allowed_mentions`, empty messages, replies
to a message that is not in the channel, thread names outside 1-100 characters, threads from a message
in a thread or a DM or from a message that already has one, edits in an archived thread, edits of
someone else's message, interaction callbacks after 3 s and follow-ups after the token's 15 minutes,
and anything the bot's permissions in the channel do not allow (the invite URL's permissions minus
`deny`). Mentions are resolved as Discord does (`allowed_mentions` applied): `pings` lists every
user, role or @everyone a message would have notified. `enforce_nonce` is honoured, and
`fail_after_create` makes Discord answer 500 after creating the message, as it sometimes does.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from aiohttp import WSMsgType, web

API_PREFIX = "/api/v10"
TOKEN = "fake-bot-token-0123456789"

_ids = itertools.count(1_300_000_000_000_000_000)


def snowflake() -> int:
    return next(_ids)


BOT_ID = snowflake()
GUILD_ID = snowflake()
CHANNEL_ID = snowflake()
ALICE_ID = snowflake()
BOB_ID = snowflake()
OTHER_BOT_ID = snowflake()
COMMAND_ID = snowflake()
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)
"""GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT."""

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

CALLBACK_DEADLINE = 3.0
"""Seconds Discord accepts an interaction's first response."""
THREAD_TYPES = (10, 11, 12)
"""Announcement, public and private thread channel types."""


def user(uid: int, name: str, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(uid),
        "username": name,
        "global_name": name.capitalize(),
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


BOT = user(BOT_ID, "mathbot", bot=True)
ALICE = user(ALICE_ID, "alice")
BOB = user(BOB_ID, "bob")
OTHER_BOT = user(OTHER_BOT_ID, "otherbot", bot=True)


def now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Call:
    """One REST request mathbot made."""

    method: str
    path: str
    """Without the /api/v10 prefix, e.g. /channels/123/messages."""
    json: dict[str, Any] | list[Any] | None
    files: list[tuple[str, bytes]] = field(default_factory=list)
    query: dict[str, str] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)


@dataclass
class RateLimit:
    method: str
    path: re.Pattern[str]
    retry_after: float
    count: int
    is_global: bool = False


class FakeDiscord:
    """State of the fake (messages, threads, interactions, sockets) and its aiohttp application."""

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
        self.commands: dict[str, list[dict[str, Any]]] = {}
        """"global" or a guild id → the commands last registered there."""
        self.identifies: list[dict[str, Any]] = []
        self.ws_queries: list[dict[str, str]] = []
        self.sockets: list[web.WebSocketResponse] = []
        self.rate_limits: list[RateLimit] = []
        self.seq = 0
        self.base_url = ""
        """http://127.0.0.1:PORT once served (set by the test fixture)."""

    # ---- the application -------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway-ws", self.gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self.rest)
        return app

    @property
    def api_url(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/gateway-ws"

    # ---- REST --------------------------------------------------------------------------------------

    ROUTES: ClassVar[list[tuple[str, str, str]]] = [
        ("GET", r"/users/@me", "get_me"),
        ("GET", r"/oauth2/applications/@me", "get_application"),
        ("GET", r"/applications/@me", "get_application"),
        ("GET", r"/gateway(/bot)?", "get_gateway"),
        ("PUT", r"/applications/(?P<app>\d+)/commands", "put_commands"),
        ("PUT", r"/applications/(?P<app>\d+)/guilds/(?P<guild>\d+)/commands", "put_commands"),
        ("POST", r"/channels/(?P<channel>\d+)/messages", "post_message"),
        ("PATCH", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)", "patch_message"),
        ("DELETE", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)", "delete_message"),
        ("GET", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)", "get_message"),
        ("POST", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)/threads", "post_thread"),
        ("GET", r"/channels/(?P<channel>\d+)", "get_channel"),
        ("PATCH", r"/channels/(?P<channel>\d+)", "patch_channel"),
        ("POST", r"/interactions/(?P<interaction>\d+)/(?P<token>[^/]+)/callback", "post_callback"),
        ("GET", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/@original", "get_original"),
        ("PATCH", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/@original", "patch_original"),
        ("POST", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)", "post_followup"),
    ]

    async def rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        payload, files = await _read_body(request)
        call = Call(request.method, path, payload, files, dict(request.query))
        self.calls.append(call)
        auth = request.headers.get("Authorization", "")
        if not path.startswith(("/interactions/", "/webhooks/")) and auth != f"Bot {TOKEN}":
            return json_response({"message": "401: Unauthorized", "code": 0}, 401)
        limited = self._rate_limited(request.method, path)
        if limited is not None:
            return limited
        for method, pattern, name in self.ROUTES:
            match = re.fullmatch(pattern, path)
            if match and method == request.method:
                result = await getattr(self, name)(call, **match.groupdict())
                if isinstance(result, web.Response):
                    return result
                return json_response(result) if result is not None else web.Response(status=204)
        return json_response({"message": f"404: Not Found ({request.method} {path})", "code": 0}, 404)

    def rate_limit(self, method: str, path: str, retry_after: float = 0.5, count: int = 1) -> None:
        """The next `count` calls of METHOD matching the `path` regex get a 429."""
        self.rate_limits.append(RateLimit(method, re.compile(path), retry_after, count))

    def _rate_limited(self, method: str, path: str) -> web.Response | None:
        for limit in self.rate_limits:
            if limit.count > 0 and limit.method == method and limit.path.fullmatch(path):
                limit.count -= 1
                headers = {
                    "Retry-After": f"{limit.retry_after:.3f}",
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset-After": f"{limit.retry_after:.3f}",
                    "X-RateLimit-Bucket": "fake-bucket",
                    "X-RateLimit-Scope": "user",
                }
                body = {
                    "message": "You are being rate limited.",
                    "retry_after": limit.retry_after,
                    "global": False,
                }
                return json_response(body, 429, headers)
        return None

    async def get_me(self, call: Call) -> dict[str, Any]:
        return {**BOT, "verified": True, "mfa_enabled": False, "flags": 0}

    async def get_application(self, call: Call) -> dict[str, Any]:
        return {
            "id": str(BOT_ID),
            "name": "mathbot",
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": ALICE,
            "verify_key": "0" * 64,
            "flags": 0,
            "team": None,
        }

    async def get_gateway(self, call: Call) -> dict[str, Any]:
        return {
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
        }

    async def put_commands(self, call: Call, app: str, guild: str | None = None) -> list[dict[str, Any]]:
        assert isinstance(call.json, list)
        registered = [
            {
                **command,
                "id": str(COMMAND_ID),
                "application_id": app,
                "version": "1",
                "type": command.get("type", 1),
                **({"guild_id": guild} if guild else {}),
            }
            for command in call.json
        ]
        self.commands[guild or "global"] = registered
        return registered

    async def post_message(self, call: Call, channel: str) -> dict[str, Any] | web.Response:
        body = call.json if isinstance(call.json, dict) else {}
        needed = VIEW_CHANNEL | (SEND_MESSAGES_IN_THREADS if self._is_thread(channel) else SEND_MESSAGES)
        if call.files:
            needed |= ATTACH_FILES
        if body.get("message_reference"):  # a reply needs to read what it replies to
            needed |= READ_MESSAGE_HISTORY
        refused = self._forbidden(int(channel), needed) or invalid_message(body, call.files, creating=True)
        if refused is not None:
            return refused
        ref = None
        if body.get("message_reference"):
            ref = self.messages.get(int(body["message_reference"].get("message_id") or 0))
            if ref is None or ref["channel_id"] != channel:
                return form_error("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
        nonce = str(body["nonce"]) if body.get("nonce") is not None else None
        if nonce is not None and body.get("enforce_nonce") and (channel, nonce) in self.nonces:
            return self.nonces[(channel, nonce)]  # Discord returns the message already created
        await self._unarchive_for_message(channel)
        message = self._message(int(channel), BOT, body, call.files)
        if ref is not None:
            message["message_reference"] = {
                k: str(v) if k.endswith("_id") else v for k, v in body["message_reference"].items()
            }
            message["referenced_message"] = ref
            message["type"] = 19
        self._resolve_mentions(message, body, ref)
        if nonce is not None:
            message["nonce"] = nonce
            self.nonces[(channel, nonce)] = message
        await self.dispatch("MESSAGE_CREATE", message)
        if self.failures_after_create > 0:
            self.failures_after_create -= 1
            return json_response({"message": "500: Internal Server Error", "code": 0}, 500)
        return message

    def fail_after_create(self, count: int = 1) -> None:
        """The next `count` message creations succeed but are answered with a 500 (as Discord sometimes
        does under load): a client that retries without `enforce_nonce` posts the message twice."""
        self.failures_after_create = count

    async def patch_message(self, call: Call, channel: str, message: str) -> dict[str, Any] | web.Response:
        refused = self._forbidden(int(channel), VIEW_CHANNEL | (ATTACH_FILES if call.files else 0))
        if refused is not None:
            return refused
        found = self.messages.get(int(message))
        if found is None or found["channel_id"] != channel:
            return json_response({"message": "Unknown Message", "code": 10008}, 404)
        if self._archived(channel):
            return json_response({"message": "Thread is archived", "code": 50083}, 400)
        body = call.json if isinstance(call.json, dict) else {}
        if found["author"]["id"] != str(BOT_ID) and set(body) - {"flags"}:
            return json_response(
                {"message": "Cannot edit a message authored by another user", "code": 50005}, 403
            )
        refused = invalid_message(body, call.files, creating=False)
        if refused is not None:
            return refused
        for key in ("content", "embeds", "components"):
            if key in body:
                found[key] = body[key]
        if "attachments" in body or call.files:
            found["attachments"] = _attachments(call.files)
        if "content" in body:
            self._resolve_mentions(found, body, None)
        if not (found["content"] or found["embeds"] or found["attachments"] or found["components"]):
            return json_response({"message": "Cannot send an empty message", "code": 50006}, 400)
        found["edited_timestamp"] = now()
        return found

    async def delete_message(self, call: Call, channel: str, message: str) -> web.Response:
        found = self.messages.get(int(message))
        if found is None or found["channel_id"] != channel:
            return json_response({"message": "Unknown Message", "code": 10008}, 404)
        if self._archived(channel):
            return json_response({"message": "Thread is archived", "code": 50083}, 400)
        del self.messages[int(message)]
        return web.Response(status=204)

    async def get_message(self, call: Call, channel: str, message: str) -> dict[str, Any] | web.Response:
        refused = self._forbidden(int(channel), VIEW_CHANNEL | READ_MESSAGE_HISTORY)
        if refused is not None:
            return refused
        found = self.messages.get(int(message))
        if found is None or found["channel_id"] != channel:
            return json_response({"message": "Unknown Message", "code": 10008}, 404)
        return found

    async def post_thread(self, call: Call, channel: str, message: str) -> dict[str, Any] | web.Response:
        body = call.json if isinstance(call.json, dict) else {}
        name = (body.get("name") or "").strip()
        if not 1 <= len(name) <= 100:
            return form_error("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        parent = self.channels.get(int(channel))
        if parent is None or parent["type"] not in (0, 5):  # a DM, a thread, a voice or forum channel
            return json_response(
                {"message": "Cannot execute action on this channel type", "code": 50024}, 400
            )
        refused = self._forbidden(int(channel), VIEW_CHANNEL | CREATE_PUBLIC_THREADS)
        if refused is not None:
            return refused
        found = self.messages.get(int(message))
        if found is None or found["channel_id"] != channel:
            return json_response({"message": "Unknown Message", "code": 10008}, 404)
        if found.get("thread"):
            return json_response(
                {"message": "A thread has already been created for this message", "code": 160004}, 400
            )
        thread = {  # a thread started from a message has the message's id
            "id": message,
            "type": 10 if parent["type"] == 5 else 11,
            "guild_id": str(GUILD_ID),
            "parent_id": channel,
            "owner_id": str(BOT_ID),
            "name": name,
            "last_message_id": None,
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "flags": 0,
            "total_message_sent": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 1440),
                "archive_timestamp": now(),
                "locked": False,
            },
        }
        self.channels[int(message)] = thread
        self.messages[int(message)]["thread"] = thread
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return thread

    async def get_channel(self, call: Call, channel: str) -> dict[str, Any] | web.Response:
        found = self.channels.get(int(channel))
        if found is None:
            return json_response({"message": "Unknown Channel", "code": 10003}, 404)
        return self._forbidden(int(channel), VIEW_CHANNEL) or found

    async def patch_channel(self, call: Call, channel: str) -> dict[str, Any] | web.Response:
        """Only what mathbot may do: unarchive a thread (`{"archived": false}`), which needs no more
        than sending there, unless the thread is locked (then it needs Manage Threads)."""
        found = self.channels.get(int(channel))
        if found is None:
            return json_response({"message": "Unknown Channel", "code": 10003}, 404)
        body = call.json if isinstance(call.json, dict) else {}
        if found["type"] not in THREAD_TYPES or set(body) != {"archived"} or body["archived"] is not False:
            return json_response({"message": "Missing Permissions", "code": 50013}, 403)
        refused = self._forbidden(int(channel), VIEW_CHANNEL | SEND_MESSAGES_IN_THREADS)
        if refused is not None or found["thread_metadata"]["locked"]:
            return refused or json_response({"message": "Missing Permissions", "code": 50013}, 403)
        await self.archive(channel, archived=False)
        return found

    async def post_callback(self, call: Call, interaction: str, token: str) -> dict[str, Any] | web.Response:
        found = self.interactions.get(int(interaction))
        if found is None or found["token"] != token:
            return json_response({"message": "Unknown interaction", "code": 10062}, 404)
        if int(interaction) in self.answered_interactions:
            return json_response(
                {"message": "Interaction has already been acknowledged.", "code": 40060}, 400
            )
        if time.monotonic() - self.interaction_sent[int(interaction)] > CALLBACK_DEADLINE:
            return json_response({"message": "Unknown interaction", "code": 10062}, 404)
        body = call.json if isinstance(call.json, dict) else {}
        data = body.get("data") or {}
        if body.get("type") in (4, 7):
            refused = invalid_message(data, call.files, creating=body.get("type") == 4)
            if refused is not None:
                return refused
        self.answered_interactions[int(interaction)] = time.monotonic()
        if body.get("type") in (6, 7):  # (deferred) update of the message a component is on
            return self._update_clicked(found, data, call)
        message = self._message(int(found["channel_id"]), BOT, data, call.files)
        self._resolve_mentions(message, data, None)
        message["interaction_metadata"] = {"id": interaction, "type": 2, "user": found["user"]}
        found["response_message_id"] = message["id"]
        if not message["flags"] & 64:  # an ephemeral response is only the asker's: not in the channel
            await self.dispatch("MESSAGE_CREATE", message)
        if call.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        return {
            "interaction": {
                "id": interaction,
                "type": 2,
                "response_message_id": message["id"],
                "response_message_loading": body.get("type") == 5,
                "response_message_ephemeral": bool((data.get("flags") or 0) & 64),
            },
            "resource": {"type": body.get("type", 4), "message": message},
        }

    def _update_clicked(
        self, interaction: dict[str, Any], data: dict[str, Any], call: Call
    ) -> dict[str, Any] | web.Response:
        """Type 7 edits the message the clicked component is on; type 6 only acknowledges the click."""
        kind = (call.json or {}).get("type") if isinstance(call.json, dict) else None
        message = self.messages.get(int(interaction["message"]["id"]))
        if message is not None and kind == 7:
            message.update({k: data[k] for k in ("content", "embeds", "components") if k in data})
            message["edited_timestamp"] = now()
        interaction["response_message_id"] = interaction["message"]["id"]
        if call.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        answer: dict[str, Any] = {
            "interaction": {
                "id": interaction["id"],
                "type": interaction["type"],
                "response_message_id": interaction["message"]["id"],
                "response_message_loading": False,
                "response_message_ephemeral": False,
            }
        }
        if kind == 7 and message is not None:
            answer["resource"] = {"type": 7, "message": message}
        return answer

    def _interaction_by_token(self, token: str) -> dict[str, Any] | None:
        return next((i for i in self.interactions.values() if i["token"] == token), None)

    def _token_expired(self, interaction: dict[str, Any]) -> web.Response | None:
        if time.monotonic() - self.interaction_sent[int(interaction["id"])] > self.token_lifetime:
            return json_response({"message": "Invalid Webhook Token", "code": 50027}, 401)
        return None

    async def get_original(self, call: Call, app: str, token: str) -> dict[str, Any] | web.Response:
        found = self._interaction_by_token(token)
        if found is None or "response_message_id" not in found:
            return json_response({"message": "Unknown Message", "code": 10008}, 404)
        return self._token_expired(found) or self.messages[int(found["response_message_id"])]

    async def patch_original(self, call: Call, app: str, token: str) -> dict[str, Any] | web.Response:
        found = self._interaction_by_token(token)
        if found is None or "response_message_id" not in found:
            return json_response({"message": "Unknown Message", "code": 10008}, 404)
        body = call.json if isinstance(call.json, dict) else {}
        refused = self._token_expired(found) or invalid_message(body, call.files, creating=False)
        if refused is not None:
            return refused
        message = self.messages[int(found["response_message_id"])]
        message.update({k: body[k] for k in ("content", "embeds", "components") if k in body})
        if "content" in body:
            self._resolve_mentions(message, body, None)
        return message

    async def post_followup(self, call: Call, app: str, token: str) -> dict[str, Any] | web.Response:
        found = self._interaction_by_token(token)
        if found is None:
            return json_response({"message": "Unknown Webhook", "code": 10015}, 404)
        body = call.json if isinstance(call.json, dict) else {}
        refused = self._token_expired(found) or invalid_message(body, call.files, creating=True)
        if refused is not None:
            return refused
        message = self._message(int(found["channel_id"]), BOT, body, call.files)
        self._resolve_mentions(message, body, None)
        self.followups.append(message)
        if (body.get("flags") or 0) & 64:  # ephemeral: only the clicker sees it, it is not in the channel
            del self.messages[int(message["id"])]
        return message

    # ---- channels, permissions, mentions ----------------------------------------------------------

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

    def _is_thread(self, channel: str | int) -> bool:
        found = self.channels.get(int(channel))
        return bool(found and found["type"] in THREAD_TYPES)

    def _archived(self, channel: str | int) -> bool:
        found = self.channels.get(int(channel))
        return bool(found and found["type"] in THREAD_TYPES and found["thread_metadata"]["archived"])

    async def archive(self, thread: int | str, archived: bool = True) -> None:
        """A moderator (or the asker, for a forum post) archives the thread: THREAD_UPDATE is dispatched."""
        found = self.channels[int(thread)]
        found["thread_metadata"] = {
            **found["thread_metadata"],
            "archived": archived,
            "archive_timestamp": now(),
        }
        await self.dispatch("THREAD_UPDATE", found)

    async def open_thread(self, name: str = "A thread", channel: int = CHANNEL_ID) -> int:
        """Alice starts a public thread from a message of hers (THREAD_CREATE); returns its id."""
        starter = self._message(channel, ALICE, {"content": name})
        call = Call("POST", f"/channels/{channel}/messages/{starter['id']}/threads", {"name": name})
        thread = await self.post_thread(call, str(channel), starter["id"])
        assert isinstance(thread, dict), thread
        thread["owner_id"] = ALICE["id"]
        return int(thread["id"])

    async def _unarchive_for_message(self, channel: str | int) -> None:
        """A new message in an archived (unlocked) thread unarchives it, as Discord does."""
        if self._archived(channel):
            await self.archive(channel, archived=False)

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

    # ---- messages and events that tests inject ----------------------------------------------------

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
            "attachments": _attachments(files or []),
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
                "permissions": str((1 << 53) - 1),
            }
        self.interactions[iid] = interaction
        self.interaction_sent[iid] = time.monotonic()
        await self.dispatch("INTERACTION_CREATE", self._interaction_event(interaction))
        return interaction

    @staticmethod
    def _interaction_event(interaction: dict[str, Any]) -> dict[str, Any]:
        """In a guild the user comes as `member.user`; in a DM as `user`."""
        return {k: v for k, v in interaction.items() if k != "user" or "member" not in interaction}

    # ---- gateway -----------------------------------------------------------------------------------

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

    # ---- what tests look at ---------------------------------------------------------------------

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

    def bot_messages(self, channel: int | str) -> list[dict[str, Any]]:
        return [m for m in self.channel_messages(channel) if m["author"]["id"] == str(BOT_ID)]


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON with `Content-Type: application/json` exactly (aiohttp's json_response adds a charset)."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


async def _read_body(request: web.Request) -> tuple[Any, list[tuple[str, bytes]]]:
    if not request.can_read_body:
        return None, []
    if request.content_type.startswith("multipart/"):
        payload, files = None, []
        reader = await request.multipart()
        async for part in reader:
            data = await part.read()  # type: ignore[union-attr]
            if part.name == "payload_json":  # type: ignore[union-attr]
                payload = json.loads(data)
            else:
                files.append((part.filename or part.name or "", bytes(data)))  # type: ignore[union-attr]
        return payload, files
    raw = await request.read()
    return (json.loads(raw) if raw else None), []


def _attachments(files: list[tuple[str, bytes]]) -> list[dict[str, Any]]:
    return [
        {
            "id": str(snowflake()),
            "filename": name,
            "size": len(data),
            "url": f"https://cdn.example/{name}",
            "proxy_url": f"https://cdn.example/{name}",
        }
        for name, data in files
    ]


def form_error(field_name: str, code: str, text: str) -> web.Response:
    """Discord's 400 Invalid Form Body (50035) for one field."""
    body = {
        "message": "Invalid Form Body",
        "code": 50035,
        "errors": {field_name: {"_errors": [{"code": code, "message": text}]}},
    }
    return json_response(body, 400)


def invalid_message(
    body: dict[str, Any], files: list[tuple[str, bytes]], *, creating: bool
) -> web.Response | None:
    """Discord's checks of a message body (create or edit), where mathbot could break them; None if valid."""
    content = body.get("content")
    if content is not None and not isinstance(content, str):
        return form_error("content", "BASE_TYPE_STRING", "Must be a string.")
    if len(content or "") > 2000:
        return form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        return form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for embed in embeds:
        for key, limit in (("title", 256), ("description", 4096)):
            if len(embed.get(key) or "") > limit:
                return form_error(
                    f"embeds.{key}", "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."
                )
        total += len(embed.get("title") or "") + len(embed.get("description") or "")
        total += len((embed.get("footer") or {}).get("text") or "") + len(
            (embed.get("author") or {}).get("name") or ""
        )
        total += sum(len(f.get("name", "")) + len(f.get("value", "")) for f in embed.get("fields") or [])
    if total > 6000:
        return form_error("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
    if len(files) > 10:
        return form_error("files", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    if any(len(data) > 10 * 1024 * 1024 for _, data in files):
        return json_response({"message": "Request entity too large", "code": 40005}, 413)
    for attachment in body.get("attachments") or []:
        if len(attachment.get("description") or "") > 1024:
            return form_error(
                "attachments.description", "BASE_TYPE_MAX_LENGTH", "Must be 1024 or fewer in length."
            )
    refused = _invalid_allowed_mentions(body.get("allowed_mentions"))
    if refused is not None:
        return refused
    for row in body.get("components") or []:
        for item in row.get("components") or []:
            if not 1 <= len(item.get("custom_id") or "") <= 100 or len(item.get("label") or "") > 80:
                return form_error("components", "BASE_TYPE_BAD_LENGTH", "Invalid component.")
    if len(str(body.get("nonce") or "")) > 25:
        return form_error("nonce", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    if creating and not (content or embeds or files or body.get("components") or body.get("sticker_ids")):
        return json_response({"message": "Cannot send an empty message", "code": 50006}, 400)
    return None


def _invalid_allowed_mentions(allowed: Any) -> web.Response | None:
    if allowed is None:
        return None
    if not isinstance(allowed, dict) or set(allowed) - {"parse", "users", "roles", "replied_user"}:
        return form_error("allowed_mentions", "MODEL_TYPE_CONVERT", "Invalid allowed_mentions.")
    parse = allowed.get("parse", [])
    if not isinstance(parse, list) or set(parse) - {"users", "roles", "everyone"}:
        return form_error("allowed_mentions.parse", "BASE_TYPE_CHOICES", "Invalid parse type.")
    for kind in ("users", "roles"):
        ids = allowed.get(kind, [])
        if not isinstance(ids, list) or len(ids) > 100:
            return form_error(f"allowed_mentions.{kind}", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer.")
        if kind in parse and ids:
            return form_error(
                "allowed_mentions", "MUTUALLY_EXCLUSIVE", f"parse:[{kind}] and {kind} are exclusive."
            )
    return None
