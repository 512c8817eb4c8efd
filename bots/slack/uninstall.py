"""`app_uninstalled` and `tokens_revoked`: forget a workspace's tokens and drop its questions.

Its tokens are deleted from the installation store (Bolt's own revocation listeners), then its
questions still queued or running are cancelled like a Cancel click (off the queue or stopped, the
askers' limits released), each with a log line: nothing can be posted there any more. A question a
worker picks up later finds no token and is dropped there (`workers/answer.py`, `NotInstalled`).
In single-workspace mode there is no store: SLACK_BOT_TOKEN is dead, and the questions are dropped.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import redis
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.listener.async_builtins import AsyncTokenRevocationListeners

from bots.slack.installations import RedisInstallationStore
from mathbot import queue
from mathbot.jobs import Question
from mathbot.settings import Settings

log = logging.getLogger(__name__)


def of_workspace(question: Question, team: str | None, enterprise: str | None) -> bool:
    """Whether a question was asked in the workspace (`team`) or, for an org-wide install (no team),
    anywhere in the Enterprise Grid org `enterprise`."""
    target = question.target
    if target.platform != "slack":
        return False
    if team:
        return target.team == team
    return enterprise is not None and target.enterprise == enterprise


class Uninstalls:
    """The two listeners; `register` wires them into a Bolt app."""

    def __init__(
        self, settings: Settings, connection: redis.Redis, store: RedisInstallationStore | None
    ) -> None:
        self.settings, self.connection, self.store = settings, connection, store
        self.revocations = AsyncTokenRevocationListeners(store) if store is not None else None

    def register(self, app: AsyncApp) -> None:
        app.event("app_uninstalled")(self.on_uninstalled)
        app.event("tokens_revoked")(self.on_tokens_revoked)

    async def on_uninstalled(self, context: AsyncBoltContext) -> None:
        """mathbot was removed from a workspace (or an org): every token of it is void."""
        if self.revocations is not None:
            await self.revocations.handle_app_uninstalled_events(context)
        await self._drop(context, "uninstalled mathbot")

    async def on_tokens_revoked(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        """Tokens revoked (`tokens.bot`: the bot's): once the bot's is gone, nothing can be answered."""
        if self.revocations is not None:
            await self.revocations.handle_tokens_revoked_events(event, context)
        if (event.get("tokens") or {}).get("bot"):
            await self._drop(context, "revoked mathbot's token")

    async def _drop(self, context: AsyncBoltContext, what: str) -> None:
        team, enterprise = context.team_id, context.enterprise_id
        try:
            dropped = await asyncio.to_thread(
                queue.cancel_where,
                self.settings,
                self.connection,
                lambda question: of_workspace(question, team, enterprise),
            )
        except redis.RedisError as exc:
            log.error(
                "team=%s enterprise=%s %s; its questions not dropped (Redis: %s): workers drop them",
                team,
                enterprise,
                what,
                type(exc).__name__,
            )
            return
        for question in dropped:
            target = question.target
            log.info(
                "question=%s channel=%s placeholder=%s dropped: team=%s %s",
                question.id,
                target.channel,
                target.placeholder,
                team,
                what,
            )
        log.warning(
            "team=%s enterprise=%s %s: %d queued or running question(s) of it dropped",
            team,
            enterprise,
            what,
            len(dropped),
        )
