"""Slack installations in Redis: the bot token of every workspace that added mathbot ("Add to Slack"),
shared by the adapter (Bolt's authorize) and the workers, and the install flow's one-time OAuth states.

Redis rather than slack_sdk's SQLAlchemy store: every mathbot process already holds a connection to
it, it persists (AOF) and survives restarts, and a workspace is one hash, so an uninstall deletes its
tokens in one command. Both stores implement slack_sdk's interfaces twice over (sync for the workers,
`async_*` for Bolt), the async side running the same Redis calls in a thread, as the adapter does
everywhere. Tokens are stored in the clear: see docs/slack.md ("Tokens at rest") for why.

Key layout (`E`/`T`: enterprise and team id, `-` when there is none; an org-wide install has no team):

    mathbot:slack:install:<client id>:<E>:<T>   hash: bot, installer, installer:<user id>  (JSON)
    mathbot:slack:oauth-state:<state>            one install attempt, expires after its TTL
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from typing import Any

import redis
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.installation_store import InstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.state_store import OAuthStateStore

from mathbot import messages
from mathbot.errors import NotInstalled
from mathbot.settings import Settings

log = logging.getLogger(__name__)

BOT_SCOPES = (
    "app_mentions:read",
    "channels:history",
    "groups:history",
    "im:history",
    "mpim:history",
    "im:write",
    "chat:write",
    "commands",
    "files:write",
    "users:read",
)
"""The bot scopes an install asks for: the manifest's (tests/slack/test_manifest.py keeps them equal)."""

PREFIX = "mathbot:slack:install:"
STATE_PREFIX = "mathbot:slack:oauth-state:"

BOT, LATEST = "bot", "installer"
"""Hash fields: the workspace's bot, and its latest installation (`installer:<user>` per installer)."""


def oauth_enabled(settings: Settings) -> bool:
    """Distributed mode: SLACK_CLIENT_ID is set, so bot tokens come from the installation store (the
    adapter also needs SLACK_CLIENT_SECRET); otherwise SLACK_BOT_TOKEN serves one workspace."""
    return bool(settings.slack_client_id)


def _text(raw: Any) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)


class RedisInstallationStore(InstallationStore, AsyncInstallationStore):
    """slack_sdk's InstallationStore (and its async twin) over one Redis hash per workspace.

    Lookups of a workspace in an Enterprise Grid org fall back to the org-wide installation, which
    serves every workspace of the org. Never logs a token.
    """

    def __init__(self, connection: redis.Redis, client_id: str) -> None:
        self.connection, self.client_id = connection, client_id

    @property
    def logger(self) -> logging.Logger:
        return log

    def _key(self, enterprise_id: str | None, team_id: str | None, org_wide: bool | None = False) -> str:
        team = None if org_wide else team_id
        return f"{PREFIX}{self.client_id}:{enterprise_id or '-'}:{team or '-'}"

    def _keys(self, enterprise_id: str | None, team_id: str | None, org_wide: bool | None) -> list[str]:
        """Where a workspace's installation may be: its own, then its org's org-wide one."""
        keys = [self._key(enterprise_id, team_id, org_wide)]
        if enterprise_id and team_id and not org_wide:
            keys.append(self._key(enterprise_id, None))
        return keys

    # Saving ------------------------------------------------------------------------------------

    def save(self, installation: Installation) -> None:
        """Keep an installation (the install flow's result) and its bot, replacing earlier ones."""
        key = self._key(installation.enterprise_id, installation.team_id, installation.is_enterprise_install)
        entity = json.dumps(installation.__dict__)
        fields: dict[Any, Any] = {LATEST: entity, f"{LATEST}:{installation.user_id or '-'}": entity}
        if installation.bot_token:
            fields[BOT] = json.dumps(installation.to_bot().__dict__)
        self.connection.hset(key, mapping=fields)
        log.info(
            "Slack installation saved: enterprise=%s team=%s (%s) bot user=%s installer=%s",
            installation.enterprise_id,
            installation.team_id,
            installation.team_name,
            installation.bot_user_id,
            installation.user_id,
        )

    def save_bot(self, bot: Bot) -> None:
        if bot.bot_token:
            key = self._key(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
            self.connection.hset(key, BOT, json.dumps(bot.__dict__))

    # Finding -----------------------------------------------------------------------------------

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        for key in self._keys(enterprise_id, team_id, is_enterprise_install):
            raw = self.connection.hget(key, BOT)
            if raw:
                return Bot(**json.loads(raw))
        return None

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        field = LATEST if user_id is None else f"{LATEST}:{user_id}"
        for key in self._keys(enterprise_id, team_id, is_enterprise_install):
            raw_installation, raw_bot = self.connection.hmget(key, [field, BOT])
            if not raw_installation:
                continue
            installation = Installation(**json.loads(raw_installation))
            if raw_bot:  # the workspace's bot may be newer than this installer's installation
                bot = json.loads(raw_bot)
                for name in ("bot_id", "bot_user_id", "bot_token", "bot_scopes", "bot_refresh_token"):
                    setattr(installation, name, bot.get(name))
                installation.bot_token_expires_at = bot.get("bot_token_expires_at")
            return installation
        return None

    def installed(self) -> int:
        """How many workspaces (or orgs) have a bot installed (for the adapter's start-up line)."""
        pattern = f"{PREFIX}{self.client_id}:*"
        return sum(1 for key in self.connection.scan_iter(match=pattern) if self.connection.hexists(key, BOT))

    # Deleting (uninstalled, tokens revoked) ----------------------------------------------------

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.connection.hdel(self._key(enterprise_id, team_id), BOT)
        log.info("Slack bot token deleted: enterprise=%s team=%s", enterprise_id, team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        key = self._key(enterprise_id, team_id)
        if user_id is None:
            fields = [f for f in map(_text, self.connection.hkeys(key)) if f != BOT]
        else:
            fields = [f"{LATEST}:{user_id}"]
            latest = self.connection.hget(key, LATEST)
            if latest and json.loads(latest).get("user_id") == user_id:
                fields.append(LATEST)
        if fields:
            self.connection.hdel(key, *fields)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.connection.delete(self._key(enterprise_id, team_id))
        log.info("Slack installation deleted: enterprise=%s team=%s", enterprise_id, team_id)

    # The async side (Bolt's AsyncApp): the same calls, in a worker thread -----------------------

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.save_bot, bot)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        return await asyncio.to_thread(
            lambda: self.find_bot(
                enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
            )
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return await asyncio.to_thread(
            lambda: self.find_installation(
                enterprise_id=enterprise_id,
                team_id=team_id,
                user_id=user_id,
                is_enterprise_install=is_enterprise_install,
            )
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(lambda: self.delete_bot(enterprise_id=enterprise_id, team_id=team_id))

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await asyncio.to_thread(
            lambda: self.delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)
        )

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(lambda: self.delete_all(enterprise_id=enterprise_id, team_id=team_id))


class RedisOAuthStateStore(OAuthStateStore, AsyncOAuthStateStore):
    """The install flow's `state` values: issued with the install page, valid for `ttl` seconds, and
    consumed once (a replayed redirect is refused); shared by every adapter replica."""

    def __init__(self, connection: redis.Redis, ttl: int) -> None:
        self.connection, self.ttl = connection, ttl

    @property
    def logger(self) -> logging.Logger:
        return log

    def issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(24)
        self.connection.set(STATE_PREFIX + state, 1, ex=self.ttl)
        return state

    def consume(self, state: str) -> bool:
        return bool(state) and self.connection.delete(STATE_PREFIX + state) == 1

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await asyncio.to_thread(self.issue)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.consume, state)


def bot_token(
    settings: Settings, connection: redis.Redis, *, team: str | None, enterprise: str | None
) -> str | None:
    """The token that speaks for mathbot in a workspace: SLACK_BOT_TOKEN in single-workspace mode, else
    the workspace's installed bot. Raises `NotInstalled` when the workspace has none (any more)."""
    if not oauth_enabled(settings):
        return settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    assert settings.slack_client_id
    store = RedisInstallationStore(connection, settings.slack_client_id)
    bot = store.find_bot(enterprise_id=enterprise, team_id=team)
    if bot is None or not bot.bot_token:
        detail = f"no Slack bot token for team={team} enterprise={enterprise} (not installed, or removed)"
        raise NotInstalled(messages.NOT_INSTALLED, detail=detail)
    return str(bot.bot_token)
