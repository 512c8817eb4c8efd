"""The fake Slack for many workspaces: the OAuth install flow ("Add to Slack") and a token per workspace.

`FakeSlackOAuth` extends the one-workspace fake with Slack's consent page (`GET /oauth/v2/authorize`,
which approves at once for the workspace the install link names, as a signed-in user would) and
`oauth.v2.access` (its real response shape). Each install issues a bot token of its own; every Web API
call must then carry a live token (the fake records which, `Call.token`), `auth.test` answers for the
token's workspace, a channel of another workspace is `channel_not_found`, and an uninstalled
workspace's token is `token_revoked`.
"""

from __future__ import annotations

import base64
import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from tests.fakes.slack.web_api import Call, FakeSlack

__all__ = ["APP_ID", "CLIENT_ID", "CLIENT_SECRET", "FakeSlackOAuth", "Workspace"]

CLIENT_ID = "1111111111.2222222222"
CLIENT_SECRET = "fake-client-secret-3456abcdef"
APP_ID = "A0MATHBOT"


@dataclass
class Workspace:
    """A Slack workspace mathbot may be installed in."""

    team: str
    name: str
    bot_user: str
    bot_id: str
    installer: str
    channels: frozenset[str]
    enterprise: str | None = None
    tokens: list[str] = field(default_factory=list)
    """Bot tokens issued by installs, the live one last."""

    @property
    def token(self) -> str | None:
        return self.tokens[-1] if self.tokens else None

    def envelope(self, event: dict[str, Any], event_id: str | None = None) -> str:
        """An Events API request body from this workspace, as Slack sends it to an OAuth app."""
        return json.dumps(
            {
                "token": "legacy-verification-token",
                "team_id": self.team,
                "enterprise_id": self.enterprise,
                "api_app_id": APP_ID,
                "event": {"team": self.team, **event},
                "type": "event_callback",
                "event_id": event_id or "Ev" + uuid.uuid4().hex[:10].upper(),
                "event_time": int(time.time()),
                "authorizations": [
                    {
                        "enterprise_id": self.enterprise,
                        "team_id": self.team,
                        "user_id": self.bot_user,
                        "is_bot": True,
                        "is_enterprise_install": False,
                    }
                ],
            }
        )


class FakeSlackOAuth(FakeSlack):
    """The Web API of several workspaces, and the OAuth flow that installs mathbot in them."""

    def __init__(self, workspaces: list[Workspace]) -> None:
        super().__init__()
        self.workspaces = {w.team: w for w in workspaces}
        self.redirect_url = ""
        """The Redirect URL configured in the app (used when the install link names none)."""
        self.revoked: set[str] = set()
        self._codes: dict[str, tuple[Workspace, str | None, str]] = {}
        self._serial = itertools.count(1)

    def app(self) -> web.Application:
        app = super().app()
        app.router.add_get("/oauth/v2/authorize", self._authorize)
        return app

    def workspace_of(self, token: str | None) -> Workspace | None:
        return next((w for w in self.workspaces.values() if token and token == w.token), None)

    def calls_in(self, channel: str) -> list[Call]:
        """Web API calls about one channel (chat.*, files.completeUploadExternal), in order."""
        with self._lock:
            return [
                c
                for c in self.calls
                if c.args.get("channel") == channel or c.args.get("channel_id") == channel
            ]

    def uninstall(self, team: str) -> str:
        """Someone removed mathbot from the workspace: its tokens die; the `app_uninstalled` event body."""
        workspace = self.workspaces[team]
        with self._lock:
            self.revoked.update(workspace.tokens)
        return workspace.envelope({"type": "app_uninstalled", "event_ts": f"{time.time():.6f}"})

    async def _authorize(self, request: web.Request) -> web.Response:
        """Slack's consent page: the installer approves at once, and is sent back with a code."""
        query = request.query
        with self._lock:
            self.calls.append(Call("oauth.authorize", dict(query)))
        workspace = self.workspaces.get(query.get("team", ""))
        if query.get("client_id") != CLIENT_ID or not query.get("scope") or workspace is None:
            return web.Response(status=400, text="invalid_client_id, missing scope or unknown team")
        code = f"code-{workspace.team}-{next(self._serial)}"
        self._codes[code] = (workspace, query.get("redirect_uri"), query["scope"])
        back = query.get("redirect_uri") or self.redirect_url
        raise web.HTTPFound(back + "?" + urlencode({"code": code, "state": query.get("state", "")}))

    def _refusal(self, method: str, authorization: str) -> str | None:
        if method == "oauth.v2.access":
            basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            return None if authorization == f"Basic {basic}" else "invalid_client_id"
        token = authorization.removeprefix("Bearer ")
        if token in self.revoked:
            return "token_revoked"
        return None if self.workspace_of(token) else "invalid_auth"

    def _answer(self, method: str, args: dict[str, Any], host: str, token: str | None) -> dict[str, Any]:
        if method == "oauth.v2.access":
            return self._access(args)
        workspace = self.workspace_of(token)
        assert workspace is not None
        if method == "auth.test":
            return {
                "ok": True,
                "url": f"https://{workspace.name.lower().replace(' ', '-')}.slack.com/",
                "team": workspace.name,
                "user": "mathbot",
                "team_id": workspace.team,
                "user_id": workspace.bot_user,
                "bot_id": workspace.bot_id,
                "enterprise_id": workspace.enterprise,
                "is_enterprise_install": False,
            }
        channel = args.get("channel") or args.get("channel_id")
        if channel and channel not in workspace.channels:
            return {"ok": False, "error": "channel_not_found"}
        return super()._answer(method, args, host, token)

    def _access(self, args: dict[str, Any]) -> dict[str, Any]:
        """oauth.v2.access: a code (once, with the redirect_uri it was issued for) for a bot token."""
        issued = self._codes.pop(str(args.get("code")), None)
        if issued is None:
            return {"ok": False, "error": "invalid_code"}
        workspace, redirect_uri, scope = issued
        if redirect_uri is not None and args.get("redirect_uri") != redirect_uri:
            return {"ok": False, "error": "bad_redirect_uri"}
        token = f"xoxb-{workspace.team}-{next(self._serial)}-{uuid.uuid4().hex[:16]}"
        workspace.tokens.append(token)
        enterprise = {"id": workspace.enterprise, "name": "Grid"} if workspace.enterprise else None
        return {
            "ok": True,
            "access_token": token,
            "token_type": "bot",
            "scope": scope,
            "bot_user_id": workspace.bot_user,
            "app_id": APP_ID,
            "team": {"id": workspace.team, "name": workspace.name},
            "enterprise": enterprise,
            "authed_user": {"id": workspace.installer},
            "is_enterprise_install": False,
        }
