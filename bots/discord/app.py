"""`mathbot discord`: the discord.py client, pointed at the configured REST API and gateway, and `run`.

discord.py reads two process-wide addresses: `discord.http.Route.BASE` (every REST call, including
interaction callbacks) and `DiscordWebSocket.DEFAULT_GATEWAY` (a plain `Client` never asks
`GET /gateway/bot`; it connects to `wss://gateway.discord.gg` directly). `run` sets the first from
DISCORD_API_URL; the gateway is DISCORD_GATEWAY_URL when set, else what `GET /gateway/bot` hands out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import aiohttp
import discord
import redis
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket

from bots.discord import handlers, state, telemetry
from bots.discord.buttons import Button
from bots.discord.commands import solve_command
from bots.discord.handlers import study as study_handlers
from bots.discord.health import GatewayHealth
from bots.discord.ingest import NO_MENTIONS, Ingest
from bots.discord.study_commands import study_commands
from mathbot import endpoint, queue
from mathbot.settings import Settings

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
"""Discord refused the token, or the connection failed for good."""


class MathbotClient(discord.Client):
    """The gateway connection: one `on_message`, the `/solve` command tree (synced at start) and the
    buttons: cancel (`on_cancel_click`), try again (`on_retry_click`) and check with N samples
    (`on_vote_click`)."""

    def __init__(self, settings: Settings, ingest: Ingest, *, message_content: bool) -> None:
        intents = discord.Intents.default()
        intents.message_content = message_content
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = (
            False  # no voice: no warnings about it
        )
        super().__init__(intents=intents, allowed_mentions=NO_MENTIONS, http_trace=telemetry.http_trace())
        self.settings = settings
        self.ctx = handlers.Context(ingest, self, message_content)
        self.tree = app_commands.CommandTree(self)
        self.tree.add_command(solve_command(self.ctx))
        for command in study_commands(self.ctx):
            self.tree.add_command(command)

    async def setup_hook(self) -> None:
        """After login, before the gateway: choose the gateway address, register the slash commands
        and route clicks on the cancel and "Try again" buttons (also on messages posted before a restart)."""
        self.add_dynamic_items(Button)
        await self._choose_gateway()
        await self._sync_commands()
        try:
            await asyncio.to_thread(
                state.set_message_content, self.ctx.ingest.connection, self.ctx.message_content
            )
        except redis.RedisError:
            log.warning("could not record the message content intent in Redis")

    async def _choose_gateway(self) -> None:
        """DISCORD_GATEWAY_URL if set, else the address `GET /gateway/bot` hands out (else discord.py's)."""
        if self.settings.discord_gateway_url:
            url = self.settings.discord_gateway_url
        else:
            try:
                _, url, _ = await self.http.get_bot_gateway()
            except discord.DiscordException as exc:
                log.warning("GET /gateway/bot failed (%s); using %s", exc, DiscordWebSocket.DEFAULT_GATEWAY)
                return
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        log.info("discord gateway %s", url)

    async def _sync_commands(self) -> None:
        try:
            synced = await self.tree.sync()
            log.info("discord registered %d global command(s): %s", len(synced), [c.name for c in synced])
        except discord.HTTPException as exc:
            log.error("discord could not register global commands: %s", exc)
        for guild_id in self.settings.discord_guilds:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            try:
                await self.tree.sync(guild=guild)
                log.info("discord registered commands in guild=%s", guild_id)
            except discord.HTTPException as exc:
                log.warning(
                    "discord guild=%s: command registration failed (%s); was mathbot invited with the "
                    "applications.commands scope?",
                    guild_id,
                    exc,
                )

    async def on_ready(self) -> None:
        log.info(
            "discord connected as %s (id=%s) to %d guild(s); message content intent %s",
            self.user,
            self.user and self.user.id,
            len(self.guilds),
            "on" if self.ctx.message_content else "off (follow-ups in threads need a mention)",
        )

    async def on_message(self, message: discord.Message) -> None:
        try:
            await handlers.on_message(self.ctx, message)
        except Exception:
            log.exception("discord message=%s channel=%s failed", message.id, message.channel.id)

    async def on_cancel_click(self, interaction: discord.Interaction) -> None:
        """A click on a cancel button (dispatched by `buttons.Button.callback`)."""
        try:
            await handlers.on_cancel(self.ctx, interaction)
        except Exception:
            log.exception("discord cancel interaction=%s failed", interaction.id)

    async def on_retry_click(self, interaction: discord.Interaction) -> None:
        """A click on a "Try again" button (dispatched by `buttons.Button.callback`)."""
        try:
            await handlers.on_retry(self.ctx, interaction)
        except Exception:
            log.exception("discord retry interaction=%s failed", interaction.id)

    async def on_vote_click(self, interaction: discord.Interaction) -> None:
        """A click on a "Check with N samples" button (dispatched by `buttons.Button.callback`)."""
        try:
            await handlers.on_vote(self.ctx, interaction)
        except Exception:
            log.exception("discord vote interaction=%s failed", interaction.id)

    async def on_study_click(self, interaction: discord.Interaction, kind: str, ref: str) -> None:
        """A click on a study card's button (Hint, Show answer, Submit answer, ...)."""
        try:
            await study_handlers.on_click(self.ctx, interaction, kind, ref)
        except Exception:
            log.exception("discord study interaction=%s failed", interaction.id)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Every interaction: a study form sent (a modal) is read here, from the interaction itself."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        try:
            await study_handlers.on_form(self.ctx, interaction)
        except Exception:
            log.exception("discord form interaction=%s failed", interaction.id)


def point_at(settings: Settings) -> None:
    """Send discord.py's REST calls (interaction callbacks included) to DISCORD_API_URL."""
    discord.http.Route.BASE = settings.discord_api_url.rstrip("/")


def run(settings: Settings) -> int:
    """Run the Discord adapter until SIGINT/SIGTERM, with GET /metrics and GET /health on
    MATHBOT_METRICS_PORT; returns the process exit code.

    Without DISCORD_BOT_TOKEN the adapter is simply not in use (a Slack-only deployment that starts
    every service): one line, exit 0, so `restart: on-failure` does not restart it.
    """
    if not settings.discord_configured:
        log.warning("Discord is not configured (no DISCORD_BOT_TOKEN): the Discord adapter is not started")
        return EXIT_OK
    point_at(settings)
    ingest = Ingest(settings, queue.connect(settings))
    health = GatewayHealth(queue.connect(settings))
    with endpoint.serving(settings.metrics_port, health):
        return _run(settings, ingest, health)


def _run(settings: Settings, ingest: Ingest, health: GatewayHealth) -> int:
    message_content = settings.discord_message_content
    while True:
        try:
            asyncio.run(_serve(settings, ingest, message_content, health))
            return EXIT_OK
        except discord.PrivilegedIntentsRequired:
            if not message_content:
                log.error("discord refused the connection's intents even without Message Content")
                return EXIT_FAILED
            log.error(
                "discord refused the Message Content intent: enable it in the Developer Portal (Bot → "
                "Privileged Gateway Intents). Running without it: follow-ups in threads need a mention."
            )
            message_content = False
        except discord.LoginFailure:
            log.error("discord refused the bot token (DISCORD_BOT_TOKEN)")
            return EXIT_FAILED
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:  # before the gateway: login failed
            url = settings.discord_api_url
            log.error("Discord's API is not reachable at %s: %s", url, type(exc).__name__)
            return EXIT_FAILED
        except KeyboardInterrupt:
            return EXIT_OK


async def _serve(settings: Settings, ingest: Ingest, message_content: bool, health: GatewayHealth) -> None:
    client = health.client = MathbotClient(settings, ingest, message_content=message_content)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, lambda: loop.create_task(client.close()))
    assert settings.discord_bot_token is not None
    async with client:
        await client.start(settings.discord_bot_token.get_secret_value())
