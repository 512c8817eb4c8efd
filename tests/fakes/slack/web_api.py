"""A fake Slack Web API (aiohttp): answers like Slack, enforces its message limits, records every call.

Besides messages and files: modals (`views.open` with a trigger id; the test then sends the
`view_submission`, `signing.view_submission`), ephemeral messages (`chat.postEphemeral`: only `user` sees
them; never among the channel's `messages`), admins and owners (`users.info`'s `is_admin`, `is_owner`)
and the bot's direct message with a user (`conversations.open`)."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_TOKEN = "xoxb-fake-bot-token-1234"
APP_TOKEN = "xapp-fake-app-token-9012"
BOT_USER = "UBOT0001"
BOT_ID = "BBOT0001"
TEAM = "T0TEST01"
USERS = {"U0ADA001": "Ada", "U0BOB002": "Bob"}

TEXT_LIMIT = 4000
"""Slack answers msg_too_long above about this many characters of `text`."""
SECTION_LIMIT = 3000
HEADER_LIMIT = 150
BLOCK_LIMIT = 50
MODAL_TITLE_LIMIT = 24
"""Characters of a modal's title (Slack refuses a longer one)."""
MODAL_BLOCK_LIMIT = 100

LIMIT_ERRORS = frozenset({"msg_too_long", "invalid_blocks", "no_text"})
"""What Slack answers to a message over its limits."""

JSON_FIELDS = ("blocks", "files", "attachments")
"""Form fields that slack_sdk sends JSON-encoded."""


@dataclass
class Call:
    """One Web API call as the fake received it."""

    method: str
    args: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    injected: bool = False
    """The answer was a failure the test asked for (`rate_limit`, `errors`)."""
    token: str | None = None
    """The bearer token the call was made with."""


class FakeSlack:
    """The Web API of one workspace. Tests read `calls`; they may queue 429s or errors per method."""

    def __init__(self) -> None:
        self.url = ""
        """Where the fake listens (set once served)."""
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.uploads: dict[str, bytes] = {}
        self.rate_limit: dict[str, int] = {}
        """method → how many of its next calls get HTTP 429."""
        self.retry_after = 1
        self.errors: dict[str, str] = {}
        """method → the error its next call returns (once)."""
        self.delay: dict[str, float] = {}
        """method → seconds each of its calls waits (recorded at once) before Slack answers."""
        self.admins: set[str] = set()
        self.owners: set[str] = set()
        """Users `users.info` says are workspace admins / owners."""
        self.views: list[dict[str, Any]] = []
        """Modals opened (views.open), oldest first."""
        self.socket_acks: list[dict[str, Any]] = []
        """What Socket Mode clients sent back (acks carry the envelope_id)."""
        self._sockets: list[tuple[web.WebSocketResponse, asyncio.AbstractEventLoop]] = []
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._file_ids = itertools.count(1)

    # What tests read -------------------------------------------------------------------------

    def calls_to(self, *methods: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method in methods]

    def api_calls(self) -> list[Call]:
        """Every Web API call (not the upload URLs or response URLs)."""
        with self._lock:
            return [c for c in self.calls if c.method not in ("upload", "response_url")]

    def posted(self, channel: str | None = None, thread: str | None = None) -> list[Call]:
        """Successful chat.postMessage calls, optionally in one channel/thread."""
        return [
            c
            for c in self.calls_to("chat.postMessage")
            if c.status == 200
            and c.response.get("ok")
            and (channel is None or c.args.get("channel") == channel)
            and (thread is None or c.args.get("thread_ts") == thread)
        ]

    def roots(self, channel: str) -> list[Call]:
        """Successful top-level (not threaded) chat.postMessage calls in a channel."""
        return [c for c in self.posted(channel) if not c.args.get("thread_ts")]

    def updates(self, ts: str) -> list[Call]:
        """chat.update calls that edited message `ts`."""
        return [c for c in self.calls_to("chat.update") if c.args.get("ts") == ts]

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        with self._lock:
            return self.messages.get((channel, ts))

    def ephemerals(self, user: str | None = None) -> list[Call]:
        """Ephemeral messages mathbot showed (to `user`)."""
        return [
            c
            for c in self.calls_to("chat.postEphemeral")
            if c.response.get("ok") and (user is None or c.args.get("user") == user)
        ]

    def public_text(self, channel: str) -> str:
        """Everything anyone in the channel (and its threads) can read of mathbot's messages now."""
        with self._lock:
            shown = [m for (c, _), m in self.messages.items() if c == channel]
        return json.dumps(
            [{"text": m.get("text"), "blocks": m.get("blocks")} for m in shown], ensure_ascii=False
        )

    # The server --------------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/response/{kind}", self._response_url)
        app.router.add_get("/socket", self._socket)
        return app

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.method == "POST":
            form = await request.post()
            args.update({k: v for k, v in form.items() if isinstance(v, str)})
        for key in JSON_FIELDS:
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    async def _upload(self, request: web.Request) -> web.Response:
        body = await request.read()
        file_id = request.match_info["file_id"]
        with self._lock:
            self.uploads[file_id] = body
            self.calls.append(Call("upload", {"file_id": file_id, "bytes": len(body)}))
        return web.Response(text="OK - " + str(len(body)))

    def socket_connected(self) -> bool:
        with self._lock:
            return any(not ws.closed for ws, _ in self._sockets)

    def socket_send(self, envelope: dict[str, Any]) -> None:
        """Push a Socket Mode envelope (events_api, slash_commands, interactive) to the app."""
        with self._lock:
            ws, loop = next((ws, loop) for ws, loop in reversed(self._sockets) if not ws.closed)
        asyncio.run_coroutine_threadsafe(ws.send_json(envelope), loop).result(timeout=5)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then record whatever the app sends (acks)."""
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        with self._lock:
            self._sockets.append((ws, asyncio.get_running_loop()))
        await ws.send_json(
            {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0MATHBOT"}}
        )
        async for message in ws:
            if message.type == web.WSMsgType.TEXT:
                with self._lock:
                    self.socket_acks.append(json.loads(message.data))
        return ws

    async def _response_url(self, request: web.Request) -> web.Response:
        """A slash command's or action's response_url (Bolt's `respond`)."""
        with self._lock:
            self.calls.append(Call("response_url", await request.json()))
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        call = Call(method, args)
        with self._lock:
            self.calls.append(call)
        await asyncio.sleep(self.delay.get(method, 0.0))
        with self._lock:
            if self.rate_limit.get(method, 0) > 0:
                self.rate_limit[method] -= 1
                call.status, call.response, call.injected = 429, {"ok": False, "error": "ratelimited"}, True
                return web.json_response(
                    call.response, status=429, headers={"Retry-After": str(self.retry_after)}
                )
            authorization = request.headers.get("Authorization", "")
            bearer = authorization.startswith("Bearer ")
            call.token = authorization.removeprefix("Bearer ") if bearer else None
            refusal = self._refusal(method, authorization)
            if refusal:
                call.response = {"ok": False, "error": refusal}
            elif method in self.errors:
                call.response, call.injected = {"ok": False, "error": self.errors.pop(method)}, True
            else:
                call.response = self._answer(method, args, request.host, call.token)
        return web.json_response(call.response)

    def _refusal(self, method: str, authorization: str) -> str | None:
        """Slack's error for the call's credentials (the `Authorization` header), or None if good."""
        token = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        return None if authorization == f"Bearer {token}" else "invalid_auth"

    def _answer(self, method: str, args: dict[str, Any], host: str, token: str | None) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://fake.slack.com/",
                "team": "Fake",
                "user": "mathbot",
                "team_id": TEAM,
                "user_id": BOT_USER,
                "bot_id": BOT_ID,
            }
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://{host}/socket"}
        if method in ("chat.postMessage", "chat.update"):
            problem = _invalid_message(args)
            if problem:
                return {"ok": False, "error": problem}
            channel = str(args.get("channel"))
            if method == "chat.postMessage":
                ts = self._next_ts()
                stored = {"ts": ts, "thread_ts": args.get("thread_ts"), "user": BOT_USER, "bot_id": BOT_ID}
            else:
                ts = str(args.get("ts", ""))
                if (channel, ts) not in self.messages:
                    return {"ok": False, "error": "message_not_found"}
                stored = self.messages[(channel, ts)]
            stored.update(text=args.get("text", ""), blocks=args.get("blocks") or [])
            self.messages[(channel, ts)] = stored
            return {"ok": True, "channel": channel, "ts": ts, "message": dict(stored)}
        if method == "chat.postEphemeral":
            problem = _invalid_message(args)
            if problem or not args.get("user") or not args.get("channel"):
                return {"ok": False, "error": problem or "user_not_in_channel"}
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "views.open":
            return self._open_view(args)
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(args.get("users", "")).split(",")[0]}}
        if method == "users.info":
            user = args.get("user", "")
            if user not in USERS:
                return {"ok": False, "error": "user_not_found"}
            name = USERS[user]
            profile = {"display_name": name, "real_name": name + " Lovelace"}
            found = {"id": user, "name": name.lower(), "profile": profile}
            return {
                "ok": True,
                "user": {**found, "is_admin": user in self.admins, "is_owner": user in self.owners},
            }
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._file_ids):07d}"
            return {"ok": True, "file_id": file_id, "upload_url": f"http://{host}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = args.get("files") or []
            missing = [f["id"] for f in files if f["id"] not in self.uploads]
            if missing:
                return {"ok": False, "error": "file_not_found"}
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        return {"ok": False, "error": "unknown_method"}

    def _open_view(self, args: dict[str, Any]) -> dict[str, Any]:
        """views.open: a modal for the trigger's user (the trigger id is required, as Slack's expire)."""
        view = json.loads(args["view"]) if isinstance(args.get("view"), str) else args.get("view")
        if not args.get("trigger_id") or not isinstance(view, dict) or view.get("type") != "modal":
            return {"ok": False, "error": "invalid_arguments"}
        if (
            len(view["title"]["text"]) > MODAL_TITLE_LIMIT
            or len(view.get("blocks") or []) > MODAL_BLOCK_LIMIT
        ):
            return {"ok": False, "error": "invalid_arguments"}
        stored = {**view, "id": f"V{len(self.views) + 1:09d}", "team_id": TEAM}
        self.views.append(stored)
        return {"ok": True, "view": stored}


def _invalid_message(args: dict[str, Any]) -> str | None:
    """Slack's own checks on a message (the ones that bite in practice)."""
    text, blocks = args.get("text") or "", args.get("blocks") or []
    if not text and not blocks:
        return "no_text"
    if len(text) > TEXT_LIMIT:
        return "msg_too_long"
    if len(blocks) > BLOCK_LIMIT:
        return "invalid_blocks"
    for block in blocks:
        inner = (block.get("text") or {}).get("text", "")
        if block["type"] == "section" and len(inner) > SECTION_LIMIT:
            return "invalid_blocks"
        if block["type"] == "header" and (len(inner) > HEADER_LIMIT or block["text"]["type"] != "plain_text"):
            return "invalid_blocks"
    return None
