"""`mathbot slack`: build the Bolt app from settings and serve it (HTTP on $PORT, or Socket Mode).

HTTP mode serves every Slack request (events, slash commands, interactivity) at POST /slack/events
with aiohttp's production server, plus GET /health for orchestrators. Socket Mode (SLACK_APP_TOKEN
set) connects out to Slack instead and keeps only /health on $PORT.

With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set, one deployment serves many workspaces: Bolt's OAuth
flow serves "Add to Slack" at GET /slack/install and its redirect at GET /slack/oauth_redirect (in
Socket Mode too), saves each workspace's bot token in Redis (`installations`), and authorizes every
request with its workspace's token. Otherwise SLACK_BOT_TOKEN serves the one workspace it belongs to.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable

import aiohttp
import redis
from aiohttp import web
from aiohttp.typedefs import Handler
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_sdk.errors import SlackApiError

from bots.slack import clients, gate, installations, oauth
from bots.slack.config import SlackConfig
from bots.slack.handlers import Handlers
from bots.slack.ingest import Ingest
from bots.slack.study_handlers import StudyHandlers
from bots.slack.uninstall import Uninstalls
from mathbot import metrics, queue
from mathbot.settings import Settings

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/health"
METRICS_PATH = "/metrics"
HOST = "0.0.0.0"

EXIT_OK = 0
EXIT_SLACK = 1
"""Slack refused the token or could not be reached at start."""
EXIT_CONFIG = 2
"""A required variable is missing."""


DRAIN_SECONDS = 20.0
"""On SIGTERM, how long questions already acknowledged to Slack may take to reach the queue (an
orchestrator's grace period is usually 30 s); Slack never sends them again."""


def build_app(
    settings: Settings, connection: redis.Redis | None = None, config: SlackConfig | None = None
) -> AsyncApp:
    """The Bolt app with mathbot's listeners; its Web API client points at SLACK_API_URL.

    No network call happens here: AsyncApp checks the token (auth.test) on the first request.
    """
    return _build(settings, connection or queue.connect(settings), config)[0]


def _build(
    settings: Settings, connection: redis.Redis, config: SlackConfig | None = None
) -> tuple[AsyncApp, Handlers]:
    config = config or SlackConfig.from_settings(settings)
    client = clients.async_web_client(settings, config)
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    store = oauth.installation_store(settings, connection)
    oauth_settings = None
    if store is not None:
        oauth_settings = oauth.oauth_settings(settings, connection, client, store, _bolt_logger())
    app = AsyncApp(
        client=client,
        signing_secret=secret,
        name="mathbot",
        logger=_bolt_logger(),
        oauth_settings=oauth_settings,
    )
    handlers = Handlers(Ingest(settings, config, connection, client), connection, config.keep_seconds)
    handlers.register(app)
    StudyHandlers(settings, connection, handlers).register(app)
    Uninstalls(settings, connection, store).register(app)
    return app, handlers


def _signing_secret(settings: Settings) -> str:
    return settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""


class _TokenFromClient(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that it is unused when a client is given: our client
    is built from that very token (with SLACK_API_URL and retries), so the warning only misleads."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def _bolt_logger() -> logging.Logger:
    """Bolt's base logger (Bolt copies its filters to its own loggers)."""
    logger = logging.getLogger(__name__ + ".bolt")
    if not any(isinstance(f, _TokenFromClient) for f in logger.filters):
        logger.addFilter(_TokenFromClient())
    return logger


def web_app(
    bolt: AsyncApp | None,
    connection: redis.Redis,
    socket_connected: Callable[[], Awaitable[bool]] | None = None,
    flow: AsyncOAuthFlow | None = None,
    secret: str = "",
) -> web.Application:
    """The HTTP front, GET /health and GET /metrics (Prometheus: this adapter's counters).

    HTTP mode (`bolt` given): Bolt's own aiohttp app (`AsyncApp.web_app`: POST /slack/events, and with
    OAuth GET /slack/install and GET /slack/oauth_redirect), behind a door (`gate`) that refuses a
    request not signed with the app's signing secret, or one Bolt could not read, with 401 or 400 and
    one short log line, never its body. Socket Mode (`bolt` None): events come over the WebSocket, so
    only the install pages of an OAuth `flow` are served beside /health and /metrics.

    /health answers 503 when Redis does not answer or, in Socket Mode (`socket_connected` given),
    while the WebSocket to Slack is down (the client reconnects by itself; the probe says so meanwhile).
    """

    @web.middleware
    async def door(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "POST" or request.path != EVENTS_PATH:
            return await handler(request)
        body = await request.read()
        rejected = gate.check(body, request.headers, secret)
        if rejected is None:
            return await handler(request)
        if rejected.status == gate.UNSIGNED:
            metrics.signature_failure()
        log.info("rejected %s %s (%d bytes): %s", request.method, request.path, len(body), rejected.reason)
        return web.json_response({"ok": False, "error": rejected.reason}, status=rejected.status)

    async def health(request: web.Request) -> web.Response:
        try:
            await asyncio.to_thread(connection.ping)
            reachable = True
        except redis.RedisError:
            reachable = False
        body: dict[str, bool] = {"redis": reachable}
        if socket_connected is not None:
            body["socket_mode"] = await socket_connected()
        ok = all(body.values())
        return web.json_response({"ok": ok, **body}, status=200 if ok else 503)

    async def prometheus(request: web.Request) -> web.Response:
        body, content_type = metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": content_type})

    if bolt is not None:
        app = bolt.web_app(path=EVENTS_PATH)
        app.middlewares.append(door)
    else:
        app = web.Application()
        if flow is not None:
            oauth.add_routes(app, flow)
    app.router.add_get(HEALTH_PATH, health)
    app.router.add_get(METRICS_PATH, prometheus)
    return app


def create_web_app(settings: Settings, connection: redis.Redis | None = None) -> web.Application:
    """Bolt app and HTTP front in one call (tests serve this against a fake Slack API)."""
    connection = connection or queue.connect(settings)
    return web_app(build_app(settings, connection), connection, secret=_signing_secret(settings))


def run(settings: Settings) -> int:
    """Serve until SIGTERM/SIGINT; the exit code for the CLI.

    With no Slack credential at all the adapter is simply not in use (a Discord-only deployment that
    starts every service): one line, exit 0, so `restart: on-failure` does not restart it.
    """
    if not settings.slack_configured:
        log.warning("Slack is not configured (no SLACK_BOT_TOKEN): the Slack adapter is not started")
        return EXIT_OK
    distributed = installations.oauth_enabled(settings)
    if not settings.slack_bot_token and not distributed:
        log.error(
            "SLACK_BOT_TOKEN is not set (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for Add to Slack): "
            "create the app from deploy/slack-manifest.yml (docs/slack.md)"
        )
        return EXIT_CONFIG
    if distributed and not settings.slack_client_secret:
        log.error("SLACK_CLIENT_ID is set but not SLACK_CLIENT_SECRET (Basic Information → App Credentials)")
        return EXIT_CONFIG
    if not settings.slack_app_token and not settings.slack_signing_secret:
        log.error("SLACK_SIGNING_SECRET is not set (HTTP mode); or set SLACK_APP_TOKEN for Socket Mode")
        return EXIT_CONFIG
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(_serve(settings))
    return EXIT_OK


async def _serve(settings: Settings) -> int:
    connection = queue.connect(settings)
    bolt, handlers = _build(settings, connection)
    if not await _signed_in(settings, bolt, connection):
        return EXIT_SLACK

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    handler = None
    if settings.slack_app_token is not None:
        handler = AsyncSocketModeHandler(bolt, settings.slack_app_token.get_secret_value())
    front = (
        web_app(None, connection, handler.client.is_connected, flow=bolt.oauth_flow)
        if handler is not None
        else web_app(bolt, connection, secret=_signing_secret(settings))
    )
    runner = web.AppRunner(front, shutdown_timeout=5)
    await runner.setup()
    await web.TCPSite(runner, HOST, settings.port).start()
    if handler is not None:
        await handler.connect_async()
        log.info("Socket Mode connected; health check on port %d", settings.port)
    else:
        log.info("listening on port %d: POST %s, GET %s", settings.port, EVENTS_PATH, HEALTH_PATH)
    if bolt.oauth_flow is not None:
        log.info("Add to Slack: GET %s on port %d", oauth.INSTALL_PATH, settings.port)
    try:
        await stop.wait()
    finally:
        log.info("shutting down")
        if handler is not None:
            await handler.close_async()
        await runner.cleanup()  # no new requests; then the acknowledged ones reach the queue
        if left := await handlers.drain(DRAIN_SECONDS):
            log.warning("%d question(s) still being taken in at exit", left)
        connection.close()
    return EXIT_OK


async def _signed_in(settings: Settings, bolt: AsyncApp, connection: redis.Redis) -> bool:
    """Single-workspace mode: check SLACK_BOT_TOKEN (auth.test) and say whose it is. OAuth mode: say how
    many workspaces are installed (each token is checked by Bolt on its workspace's first request)."""
    if installations.oauth_enabled(settings):
        await oauth.announce(settings, connection)
        return True
    try:
        me = await bolt.client.auth_test()
    except SlackApiError as exc:
        log.error("Slack refused SLACK_BOT_TOKEN: %s", exc.response.get("error"))
        return False
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        log.error("Slack's Web API is not reachable at %s: %s", settings.slack_api_url, type(exc).__name__)
        return False
    log.info("signed in to team=%s as bot user=%s", me.get("team_id"), me.get("user_id"))
    return True
