"""Bolt listeners: mentions and messages (DMs, thread follow-ups), /solve, and the buttons ("Cancel" on
a pending question, "Show reasoning", "Try again" and "Check with N samples" on an answer)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

import redis
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack import blocks, routing, store, texts
from bots.slack.ingest import SLACK_ERRORS, Ask, Ingest, why
from mathbot import claims, messages, questions, render, threads
from mathbot.errors import QueueError

log = logging.getLogger(__name__)

SOLVE_COMMAND = "/solve"

NAME_CACHE_SIZE = 1000
"""Display names remembered per process (users.info is cheap, but not free)."""


class Handlers:
    """The listeners, holding what they share; `register` wires them into a Bolt app.

    Bolt acknowledges a request, then runs its listener as a task of its own that nothing awaits:
    each listener registers that task, so a shutdown can let the questions already acknowledged
    to Slack (which will not send them again) reach the queue first (`drain`).
    """

    def __init__(self, ingest: Ingest, connection: redis.Redis, keep_seconds: int) -> None:
        self.ingest, self.connection, self.keep_seconds = ingest, connection, keep_seconds
        self._names: dict[str, str] = {}
        self._running: set[asyncio.Task[Any]] = set()

    def _track(self) -> None:
        """Hold the current listener's task until it ends (also keeps it from being collected)."""
        task = asyncio.current_task()
        if task is not None and task not in self._running:
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def drain(self, timeout: float) -> int:
        """Wait up to `timeout` seconds for running listeners to finish; how many are still running."""
        pending = {t for t in self._running if not t.done() and t is not asyncio.current_task()}
        if not pending:
            return 0
        log.info("waiting for %d question(s) being taken in", len(pending))
        _, still = await asyncio.wait(pending, timeout=timeout)
        return len(still)

    def register(self, app: AsyncApp) -> None:
        app.event("app_mention")(self.on_event)
        app.event("message")(self.on_event)  # every subtype: `routing.route` keeps the questions
        app.command(SOLVE_COMMAND)(self.on_solve)
        app.action(blocks.REASONING_ACTION)(self.on_show_reasoning)
        app.action(blocks.RETRY_ACTION)(self.on_retry)
        app.action(blocks.VOTE_ACTION)(self.on_vote)
        app.action(blocks.CANCEL_ACTION)(self.on_cancel)

    async def on_event(
        self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        """A mention, DM or thread reply: one path for both deliveries of a mention (app_mention and
        message), deduped on the event id (Slack's retries) and on the message itself."""
        self._track()
        incoming = routing.route(event, context.bot_user_id, _workspace(context, body.get("team_id")))
        if incoming is None:
            return
        if incoming.kind == "thread_reply" and not await self._is_known_thread(incoming):
            return
        keys = [f"slack:message:{incoming.channel}:{incoming.ts}"]
        if body.get("event_id"):
            keys.insert(0, f"slack:event:{body['event_id']}")
        try:
            fresh = await self.ingest.claim(keys)
        except redis.RedisError:
            log.warning(
                "channel=%s ts=%s Redis unreachable: question not taken", incoming.channel, incoming.ts
            )
            await self.ingest.say(
                incoming.channel,
                incoming.thread,
                blocks.error_message(QueueError(messages.QUEUE_DOWN), None).text,
                client,
            )
            return
        if not fresh:
            log.info(
                "channel=%s ts=%s event=%s duplicate delivery dropped (%s)",
                incoming.channel,
                incoming.ts,
                body.get("event_id"),
                event.get("type"),
            )
            return
        log.info(
            "channel=%s ts=%s %s from user=%s", incoming.channel, incoming.ts, incoming.kind, incoming.user
        )
        ask = Ask(
            incoming.channel,
            incoming.thread,
            incoming.text,
            incoming.user,
            incoming.team,
            enterprise=_enterprise(context),
            client=client,
            ts=incoming.ts,
        )
        await self.ingest.submit(ask, dedupe_keys=keys)

    async def _is_known_thread(self, incoming: routing.Incoming) -> bool:
        """A reply without a mention is a follow-up only in a thread mathbot answers in."""
        if not incoming.text:
            return False
        key = threads.thread_key("slack", incoming.channel, incoming.thread)
        try:
            return await asyncio.to_thread(threads.is_known, self.connection, key)
        except redis.RedisError:
            log.warning(
                "channel=%s ts=%s Redis unreachable: follow-up not recognised", incoming.channel, incoming.ts
            )
            return False

    async def on_solve(
        self,
        ack: AsyncAck,
        command: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        """`/solve <problem>`: a visible root message quoting the problem, the answer in its thread."""
        self._track()
        text = routing.clean_text(command.get("text") or "", None)
        if not text:
            await ack(text=texts.USAGE, response_type="ephemeral")  # shown only to the asker
            return
        await ack()
        channel, user = command["channel_id"], command["user_id"]
        name = await self._name(client, user, command.get("user_name") or "someone")

        async def post_root() -> str | None:
            """The visible message quoting the problem (posted once the question is admitted)."""
            try:
                root = await client.chat_postMessage(channel=channel, text=blocks.solve_root(name, text))
            except SLACK_ERRORS as exc:
                error = why(exc)
                log.warning("channel=%s /solve root message not posted: %s", channel, error)
                notice = texts.NOT_IN_CHANNEL if error in ("not_in_channel", "channel_not_found") else None
                await respond(text=notice or texts.post_failed(error), response_type="ephemeral")
                return None
            log.info("channel=%s ts=%s /solve from user=%s", channel, root["ts"], user)
            return str(root["ts"])

        team = _workspace(context, command.get("team_id"))
        ask = Ask(channel, "", text, user, team, enterprise=_enterprise(context), client=client)
        await self.ingest.submit(ask, root=post_root)

    async def on_show_reasoning(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """ "Show reasoning": upload the stored reasoning as a file in the answer's thread, once."""
        self._track()
        await ack()
        where = blocks.parse_action_value(action.get("value", ""))
        if where is None:
            return
        try:
            notice = await self._show_reasoning(client, *where)
        except redis.RedisError:
            log.warning("channel=%s placeholder=%s Redis unreachable: reasoning not shown", *where)
            notice = texts.REASONING_FAILED
        if notice:
            await self._whisper(client, body, notice)

    async def _show_reasoning(self, client: AsyncWebClient, channel: str, ts: str) -> str | None:
        """Upload the reasoning; a note for the clicker when it cannot be done."""
        record = await asyncio.to_thread(store.load_reasoning, self.connection, channel, ts)
        if record is None:
            return texts.REASONING_GONE
        shown = store.claim_name(store.SHOWN, channel, ts)
        if not await asyncio.to_thread(claims.claim, self.connection, shown, self.keep_seconds):
            return texts.REASONING_ALREADY
        filename, content = render.reasoning_file(
            record["reasoning"], tokens=record["tokens"], seconds=record["seconds"], problem=record["problem"]
        )
        try:
            await client.files_upload_v2(
                channel=channel,
                thread_ts=record.get("thread") or ts,
                file=content,
                filename=filename,
                title="Reasoning",
            )
        except (*SLACK_ERRORS, OSError) as exc:
            log.warning(
                "channel=%s placeholder=%s reasoning upload failed: %s", channel, ts, type(exc).__name__
            )
            await asyncio.to_thread(claims.unclaim, self.connection, shown)
            return texts.REASONING_FAILED
        log.info("channel=%s placeholder=%s reasoning uploaded (%d bytes)", channel, ts, len(content))
        return None

    async def on_retry(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """ "Try again": ask the stored question once more, in the same thread (once per answer; only
        for the asker)."""
        self._track()
        await ack()
        await self._ask_again(body, action, client, vote=False)

    async def on_vote(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """ "Check with N samples": ask the stored question again with MATHBOT_VOTE_SAMPLES samples at
        once, in the same thread (once per answer); the new answer is the majority's."""
        self._track()
        await ack()
        await self._ask_again(body, action, client, vote=True)

    async def _ask_again(
        self, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, *, vote: bool
    ) -> None:
        where = blocks.parse_action_value(action.get("value", ""))
        if where is None:
            return
        channel, ts = where
        user = (body.get("user") or {}).get("id")
        claim = store.claim_name(store.VOTED if vote else store.RETRIED, channel, ts)
        try:
            question = await asyncio.to_thread(
                questions.behind, self.connection, "slack", ts, channel=channel
            )
            if question is not None and question.target.user and question.target.user != user:
                log.info(
                    "channel=%s placeholder=%s button refused to user=%s: not the asker", channel, ts, user
                )
                await self._whisper(client, body, texts.VOTE_NOT_YOURS if vote else texts.RETRY_NOT_YOURS)
                return
            fresh = question is not None and await asyncio.to_thread(
                claims.claim, self.connection, claim, self.keep_seconds
            )
        except redis.RedisError:
            await self._whisper(client, body, messages.QUEUE_DOWN)
            return
        if question is None or not fresh:
            already = texts.VOTE_ALREADY if vote else texts.RETRY_ALREADY
            await self._whisper(client, body, texts.RETRY_GONE if question is None else already)
            return
        samples = self.ingest.settings.vote_samples if vote else question.sampling.samples
        log.info("channel=%s placeholder=%s asked again by user=%s samples=%d", channel, ts, user, samples)
        target = question.target
        turns = tuple(question.turns)
        ask = Ask(channel, target.thread or ts, question.text, user, target.team, turns, samples)
        await self.ingest.submit(replace(ask, enterprise=target.enterprise, client=client))

    async def on_cancel(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """ "Cancel": stop a queued or running question; only the person who asked may."""
        self._track()
        await ack()
        where = blocks.parse_action_value(action.get("value", "")) or _clicked_message(body)
        user = (body.get("user") or {}).get("id")
        if where is None or not user:
            return
        try:
            notice = await self._cancel(*where, user, client)
        except redis.RedisError:
            log.warning("channel=%s placeholder=%s Redis unreachable: not cancelled", *where)
            notice = texts.CANCEL_FAILED
        if notice:
            await self._whisper(client, body, notice)

    async def _cancel(self, channel: str, ts: str, user: str, client: AsyncWebClient) -> str | None:
        """Cancel the question of placeholder `ts` for `user`; a note for the clicker, or None when the
        placeholder now says it is cancelled."""
        outcome = await self.ingest.cancel(channel, ts, user, client)
        if outcome == "cancelled":
            return None
        return texts.CANCEL_NOT_YOURS if outcome == "not_yours" else texts.CANCEL_FINISHED

    async def _whisper(self, client: AsyncWebClient, body: dict[str, Any], text: str) -> None:
        """An ephemeral note to whoever pressed a button."""
        channel = (body.get("channel") or {}).get("id")
        user = (body.get("user") or {}).get("id")
        message = body.get("message") or {}
        if not (channel and user):
            return
        try:
            await client.chat_postEphemeral(
                channel=channel, user=user, text=text, thread_ts=message.get("thread_ts")
            )
        except SLACK_ERRORS as exc:
            log.warning("channel=%s ephemeral note failed: %s", channel, why(exc))

    async def _name(self, client: AsyncWebClient, user: str, fallback: str) -> str:
        """A person's display name (users.info), for quoting without pinging them."""
        if user in self._names:
            return self._names[user]
        try:
            response = await client.users_info(user=user)
        except SLACK_ERRORS as exc:
            log.info("user=%s name not resolved: %s", user, why(exc))
            return fallback
        info = response.get("user") or {}
        profile = info.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or info.get("real_name") or fallback
        if len(self._names) >= NAME_CACHE_SIZE:
            self._names.clear()
        self._names[user] = name
        return str(name)


def _clicked_message(body: dict[str, Any]) -> tuple[str, str] | None:
    """(channel, ts) of the message whose button was clicked: the placeholder, for the Cancel button
    it carries from the start (posted before its ts was known, so its value names no message)."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    return (channel, ts) if channel and ts else None


def _enterprise(context: AsyncBoltContext) -> str | None:
    """The Enterprise Grid org of mathbot's installation (with `_workspace`: whose token answers)."""
    result = context.authorize_result
    return (result.enterprise_id if result is not None else None) or context.enterprise_id


def _workspace(context: AsyncBoltContext, fallback: str | None) -> str | None:
    """The workspace of mathbot's token (auth.test), whose rate limits every Web API call spends;
    else the request's. Never the author's team: in Slack Connect channels that is another org."""
    result = context.authorize_result
    return (result.team_id if result is not None else None) or context.team_id or fallback
