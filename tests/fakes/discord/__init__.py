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

The class is assembled from one part per seam, each a module here: `state` (what it holds), `gateway`
(the websocket), `permissions` (what the bot may do, whom a message pings), `messages` and
`interactions` (REST routes), `checks` (message-body limits), `rest` (authentication, rate limits,
routing), `controls` (what tests inject and read); `model` has the ids, users and payload helpers.
"""

from __future__ import annotations

from aiohttp import web

from tests.fakes.discord.checks import form_error, invalid_message
from tests.fakes.discord.controls import Controls
from tests.fakes.discord.model import (
    ALICE,
    ALICE_ID,
    API_PREFIX,
    BOB,
    BOB_ID,
    BOT,
    BOT_ID,
    CALLBACK_DEADLINE,
    CHANNEL_ID,
    COMMAND_ID,
    GUILD_ID,
    OTHER_BOT,
    OTHER_BOT_ID,
    PRIVILEGED_INTENTS,
    THREAD_TYPES,
    TOKEN,
    Call,
    RateLimit,
    json_response,
    now,
    snowflake,
    user,
)
from tests.fakes.discord.permissions import (
    ATTACH_FILES,
    BOT_PERMISSIONS,
    CREATE_PUBLIC_THREADS,
    EMBED_LINKS,
    EVERYONE_PERMISSIONS,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
)

__all__ = [
    "ALICE",
    "ALICE_ID",
    "API_PREFIX",
    "ATTACH_FILES",
    "BOB",
    "BOB_ID",
    "BOT",
    "BOT_ID",
    "BOT_PERMISSIONS",
    "CALLBACK_DEADLINE",
    "CHANNEL_ID",
    "COMMAND_ID",
    "CREATE_PUBLIC_THREADS",
    "EMBED_LINKS",
    "EVERYONE_PERMISSIONS",
    "GUILD_ID",
    "OTHER_BOT",
    "OTHER_BOT_ID",
    "PRIVILEGED_INTENTS",
    "READ_MESSAGE_HISTORY",
    "SEND_MESSAGES",
    "SEND_MESSAGES_IN_THREADS",
    "THREAD_TYPES",
    "TOKEN",
    "VIEW_CHANNEL",
    "Call",
    "FakeDiscord",
    "RateLimit",
    "form_error",
    "invalid_message",
    "json_response",
    "now",
    "snowflake",
    "user",
]


class FakeDiscord(Controls):
    """State of the fake (messages, threads, interactions, sockets) and its aiohttp application."""

    def app(self) -> web.Application:
        """The gateway at /gateway-ws and the REST API under /api/v10."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway-ws", self.gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self.rest)
        return app
