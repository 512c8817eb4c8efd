"""The REST API's front door: authentication, injected rate limits, the route table, and the identity
and command routes; the routes themselves are `Messages`' and `Interactions`' methods."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from aiohttp import web

from tests.fakes.discord.interactions import Interactions
from tests.fakes.discord.model import ALICE, BOT, BOT_ID, COMMAND_ID, TOKEN, Call, json_response, read_body


class Rest(Interactions):
    """Every REST request is recorded in `calls`, then routed by method and path."""

    ROUTES: ClassVar[list[tuple[str, str, str]]] = [
        ("GET", r"/users/@me", "get_me"),
        ("POST", r"/users/@me/channels", "post_dm"),
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
        payload, files = await read_body(request)
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
