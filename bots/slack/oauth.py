"""The "Add to Slack" side of the adapter (many-workspace mode): Bolt's OAuth settings over the Redis
stores, the install page and redirect routes, and the start-up line.

`mathbot slack` serves GET /slack/install (a page with the "Add to Slack" link to Slack's consent page,
and a one-time state cookie) and GET /slack/oauth_redirect (Slack sends the installer back with a code,
which Bolt exchanges through oauth.v2.access and saves with `installations`), both handled by Bolt's
own OAuth flow. Every request is then authorized with the token of its workspace.
"""

from __future__ import annotations

import asyncio
import logging

import redis
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack import clients, installations
from mathbot import defaults
from mathbot.settings import Settings

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
"""The "Add to Slack" page: a link to Slack's consent page, and the state cookie."""

REDIRECT_PATH = "/slack/oauth_redirect"
"""Where Slack sends the installer back with a code (the app's Redirect URL)."""


def installation_store(
    settings: Settings, connection: redis.Redis
) -> installations.RedisInstallationStore | None:
    """The store of installed workspaces, in many-workspace mode (SLACK_CLIENT_ID set); else None."""
    if not installations.oauth_enabled(settings):
        return None
    assert settings.slack_client_id
    return installations.RedisInstallationStore(connection, settings.slack_client_id)


def oauth_settings(
    settings: Settings,
    connection: redis.Redis,
    client: AsyncWebClient,
    store: installations.RedisInstallationStore,
    logger: logging.Logger,
) -> AsyncOAuthSettings:
    """AsyncApp's settings for the install flow and per-workspace authorization.

    Bot tokens only (no user scopes). Bolt's own authorize, with its cache on: a workspace's auth.test
    is called once per process, not for every event (the store is still read first, so an uninstall
    counts at once). Slack's consent page is on the host of SLACK_API_URL.
    """
    assert settings.slack_client_id and settings.slack_client_secret
    client_id, client_secret = settings.slack_client_id, settings.slack_client_secret.get_secret_value()
    oauth = AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(installations.BOT_SCOPES),
        user_scopes=[],
        redirect_uri=settings.slack_redirect_url,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=clients.authorize_url(settings),
        installation_store=store,
        installation_store_bot_only=True,
        state_store=installations.RedisOAuthStateStore(connection, defaults.SLACK_OAUTH_STATE_TTL),
        state_expiration_seconds=defaults.SLACK_OAUTH_STATE_TTL,
        logger=logger,
    )
    oauth.authorize = AsyncInstallationStoreAuthorize(
        logger=logger,
        installation_store=store,
        client_id=client_id,
        client_secret=client_secret,
        bot_only=True,
        cache_enabled=True,
        client=client,
    )
    return oauth


def add_routes(app: web.Application, flow: AsyncOAuthFlow) -> None:
    """GET /slack/install and GET /slack/oauth_redirect, handled by Bolt's OAuth flow."""

    async def install(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_installation(await to_bolt_request(request)))

    async def redirect(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    app.router.add_get(flow.install_path, install)
    app.router.add_get(flow.redirect_uri_path, redirect)


async def announce(settings: Settings, connection: redis.Redis) -> None:
    """The start-up line of many-workspace mode: how many workspaces are installed (no token to check:
    Bolt checks each workspace's on its first request)."""
    if settings.slack_bot_token:
        log.warning("SLACK_BOT_TOKEN is ignored: SLACK_CLIENT_ID is set, so tokens come from installs")
    store = installation_store(settings, connection)
    assert store is not None
    count = await asyncio.to_thread(store.installed)
    log.info("Add to Slack mode (client id %s): %d workspace(s) installed", settings.slack_client_id, count)
