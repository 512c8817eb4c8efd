"""Bolt listeners of the study features: `/check` (a form), `/practice`, `/leaderboard`, `/mathbot` (study
mode, the problem of the day), the study cards' buttons, and the forms they open.

Every decision is the core's (`mathbot.study.clicks`, `.commands`, `.practice`, `.leaderboard`); this
module only turns Slack's requests into those calls and their cards into messages: private ones as
`chat.postEphemeral` (the clicker alone sees them), a reasoning file into the clicker's direct message
with mathbot, public ones as messages or `in_channel` responses.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

import redis
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack import blocks, study
from bots.slack.handlers import Handlers, _enterprise, _workspace
from bots.slack.ingest import SLACK_ERRORS, why
from mathbot import messages
from mathbot.errors import MathbotError
from mathbot.settings import Settings
from mathbot.study import cards, clicks, commands, leaderboard, practice

log = logging.getLogger(__name__)

CHECK_COMMAND = "/check"
PRACTICE_COMMAND = "/practice"
LEADERBOARD_COMMAND = "/leaderboard"
MATHBOT_COMMAND = "/mathbot"

MANAGERS = "workspace admins and owners"
"""Who may switch study mode and the problem of the day on Slack (users.info: is_admin, is_owner)."""


class StudyHandlers:
    """The study listeners; they share the question handlers' task tracking and name cache."""

    def __init__(self, settings: Settings, connection: redis.Redis, handlers: Handlers) -> None:
        self.settings, self.connection, self.handlers = settings, connection, handlers

    def register(self, app: AsyncApp) -> None:
        app.command(CHECK_COMMAND)(self.on_check)
        app.command(PRACTICE_COMMAND)(self.on_practice)
        app.command(LEADERBOARD_COMMAND)(self.on_leaderboard)
        app.command(MATHBOT_COMMAND)(self.on_mathbot)
        app.action(study.ACTION_PATTERN)(self.on_click)
        app.view(study.CHECK_VIEW)(self.on_check_form)
        app.view(study.ANSWER_VIEW)(self.on_answer_form)

    # --- commands -------------------------------------------------------------------------------

    async def on_check(
        self, ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        """`/check [problem]`: a form for the problem (prefilled) and the answer; the verdict is private."""
        self.handlers._track()
        await ack()
        view = study.check_view(command["channel_id"], None, (command.get("text") or "").strip())
        try:
            await client.views_open(trigger_id=command["trigger_id"], view=view)
        except SLACK_ERRORS as exc:
            log.warning("channel=%s /check form not opened: %s", command["channel_id"], why(exc))
            await respond(text=messages.QUEUE_DOWN, response_type="ephemeral")

    async def on_practice(
        self,
        ack: AsyncAck,
        command: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        """`/practice [set] [difficulty]`: a problem of the bank as a root message; its thread is its own."""
        self.handlers._track()
        await ack()
        channel = command["channel_id"]
        team = _workspace(context, command.get("team_id"))
        text = command.get("text") or ""
        try:
            posted = await asyncio.to_thread(self._new_practice, channel, team, _enterprise(context), text)
        except MathbotError as exc:
            await respond(text=exc.user_message, response_type="ephemeral")
            return
        parts = study.messages(practice.card(posted, self.settings))
        try:
            root = await client.chat_postMessage(channel=channel, text=parts[0].text, blocks=parts[0].blocks)
            for part in parts[1:]:
                await client.chat_postMessage(
                    channel=channel, thread_ts=root["ts"], text=part.text, blocks=part.blocks
                )
        except SLACK_ERRORS as exc:
            log.warning("channel=%s practice problem not posted: %s", channel, why(exc))
            await respond(
                text=f"mathbot could not post here (Slack said `{why(exc)}`).", response_type="ephemeral"
            )
            return
        await asyncio.to_thread(practice.opened, self.connection, self.settings, posted, str(root["ts"]))

    def _new_practice(
        self, channel: str, team: str | None, enterprise: str | None, text: str
    ) -> practice.Practice:
        set_name, difficulty = commands.practice_args(text, self.settings)
        problem = practice.choose(
            self.connection,
            self.settings,
            platform="slack",
            channel=channel,
            set_name=set_name,
            difficulty=difficulty,
        )
        return practice.new(
            problem,
            platform="slack",
            channel=channel,
            team=team,
            enterprise=enterprise,
            daily=False,
            settings=self.settings,
        )

    async def on_leaderboard(
        self, ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
    ) -> None:
        """`/leaderboard [week|month|all] [workspace]`: shown in the channel."""
        self.handlers._track()
        await ack()
        scope, period = commands.board_args(command.get("text") or "")
        scope_id = (
            command["channel_id"] if scope == "channel" else _workspace(context, command.get("team_id"))
        )
        rows = await asyncio.to_thread(
            leaderboard.standings, self.connection, "slack", scope, scope_id or "", period, datetime.now(UTC)
        )
        message = study.messages(leaderboard.card(rows, scope, period))[0]
        await respond(text=message.text, blocks=message.blocks, response_type="in_channel")

    async def on_mathbot(
        self,
        ack: AsyncAck,
        command: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        """`/mathbot study on|off`, `/mathbot daily on HH:MM ZONE [set] [weekly]`, `daily off`, `daily`."""
        self.handlers._track()
        await ack()
        user = command["user_id"]
        where = commands.Where(
            platform="slack",
            channel=command["channel_id"],
            team=_workspace(context, command.get("team_id")),
            enterprise=_enterprise(context),
            manager=await self._is_manager(client, user),
            managers=MANAGERS,
        )
        said = await asyncio.to_thread(
            commands.mathbot, self.connection, self.settings, where, command.get("text") or ""
        )
        log.info(
            "channel=%s /mathbot %r by user=%s: public=%s",
            where.channel,
            command.get("text"),
            user,
            said.public,
        )
        await respond(text=blocks.safe(said.text), response_type="in_channel" if said.public else "ephemeral")

    async def _is_manager(self, client: AsyncWebClient, user: str) -> bool:
        """A workspace admin or owner (users.info); anyone else, or an unknown answer, is not."""
        try:
            found = (await client.users_info(user=user)).get("user") or {}
        except SLACK_ERRORS as exc:
            log.info("user=%s admin status not known: %s", user, why(exc))
            return False
        return bool(found.get("is_admin") or found.get("is_owner") or found.get("is_primary_owner"))

    # --- buttons and forms -----------------------------------------------------------------------

    async def on_click(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        """A study card's button: a private card for the clicker, or a form."""
        self.handlers._track()
        await ack()
        who = await self._who(body, client, context)
        if who is None:
            return
        kind, ref = study.action_kind(action.get("action_id", "")), action.get("value") or ""
        clicked = await asyncio.to_thread(clicks.click, self.connection, self.settings, ref, kind, who)
        log.info("channel=%s ref=%s %s clicked by user=%s", who.channel, ref, kind, who.user)
        if clicked.form is not None:
            try:
                await client.views_open(
                    trigger_id=body["trigger_id"],
                    view=study.answer_view(clicked.form, who.channel, who.thread),
                )
            except SLACK_ERRORS as exc:
                log.warning("channel=%s form not opened: %s", who.channel, why(exc))
            return
        if clicked.card is not None:
            await self._private(client, who, clicked.card)

    async def on_check_form(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        """/check's form sent: the verdict at once (a bank problem) or a check queued; private either way."""
        self.handlers._track()
        metadata, problem, given = study.submitted(view)
        empty = None if given.strip() else study.ANSWER_BLOCK
        if not problem.strip():
            empty = study.PROBLEM_BLOCK
        who = await self._sent(ack, empty, body, client, context, metadata)
        if who is None:
            return
        answered = await asyncio.to_thread(clicks.check, self.connection, self.settings, problem, given, who)
        log.info("channel=%s /check by user=%s: queued=%s", who.channel, who.user, answered.queued)
        await self._private(client, who, answered.card)

    async def on_answer_form(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        """A button's form sent: a practice submission (graded at once) or a check of a hidden answer."""
        self.handlers._track()
        metadata, _, given = study.submitted(view)
        empty = None if given.strip() else study.ANSWER_BLOCK
        who = await self._sent(ack, empty, body, client, context, metadata)
        if who is None:
            return
        form = clicks.Form(str(metadata.get("k") or ""), str(metadata.get("r") or ""), "", "")
        answered = await asyncio.to_thread(clicks.answered, self.connection, self.settings, form, given, who)
        await self._private(client, who, answered.card)
        if answered.public:
            try:
                await client.chat_postMessage(
                    channel=who.channel, thread_ts=answered.thread, text=blocks.safe(answered.public)
                )
            except SLACK_ERRORS as exc:
                log.warning("channel=%s solved line not posted: %s", who.channel, why(exc))

    async def _sent(
        self,
        ack: AsyncAck,
        empty: str | None,
        body: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
        metadata: dict[str, Any],
    ) -> clicks.Who | None:
        """A form sent: refused, with "Please fill this in." under its `empty` block, or accepted, with
        who sent it; None when refused or nobody is known."""
        if empty is not None:
            await ack(response_action="errors", errors={empty: "Please fill this in."})
            return None
        await ack()
        return await self._who(body, client, context, metadata)

    async def _who(
        self,
        body: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
        metadata: dict[str, Any] | None = None,
    ) -> clicks.Who | None:
        """The clicker and where: from a button's message, or a form's metadata (its channel and thread)."""
        user = (body.get("user") or {}).get("id")
        if metadata is not None:
            channel, thread = metadata.get("c"), metadata.get("t")
        else:
            container = body.get("container") or {}
            message = body.get("message") or {}
            channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
            thread = message.get("thread_ts") or container.get("thread_ts")
        if not (user and channel):
            return None
        fallback = (
            (body.get("user") or {}).get("username") or (body.get("user") or {}).get("name") or "someone"
        )
        return clicks.Who(
            platform="slack",
            channel=str(channel),
            user=str(user),
            name=await self.handlers._name(client, str(user), str(fallback)),
            thread=str(thread) if thread else None,
            team=_workspace(context, (body.get("team") or {}).get("id")),
            enterprise=_enterprise(context),
        )

    async def _private(self, client: AsyncWebClient, who: clicks.Who, card: cards.Card) -> None:
        """A card for one person: ephemeral messages where they are; its file into their DM with mathbot."""
        for part in study.messages(card):
            try:
                await client.chat_postEphemeral(
                    channel=who.channel,
                    user=who.user,
                    thread_ts=who.thread,
                    text=part.text,
                    blocks=part.blocks,
                )
            except SLACK_ERRORS as exc:
                log.warning(
                    "channel=%s private card for user=%s not shown: %s", who.channel, who.user, why(exc)
                )
                return
        for file in card.files:
            try:
                opened = await client.conversations_open(users=who.user)
                await client.files_upload_v2(
                    channel=opened["channel"]["id"], file=file.data, filename=file.name, title="Reasoning"
                )
            except (*SLACK_ERRORS, OSError) as exc:
                log.warning("user=%s reasoning file not sent: %s", who.user, why(exc))
