"""The chat side of a fault scenario: a fake Slack or Discord, the real adapter (`mathbot slack` or
`mathbot discord`) in its own process, questions asked the way a person asks them, and what each
thread shows in the end (its answer, an error, progress, or nothing).

Used by the kill storm (`tests/faults/storm.py`) and the fault tests that ask through a chat.
"""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import httpx

from mathbot import questions
from tests.conftest import settings_env
from tests.discord.conftest import FakeServer, discord_env, start_bot, start_fake
from tests.fakes.slack import BOT_USER, FakeSlack, signing
from tests.slack.conftest import slack_vars
from tests.support import processes
from tests.support.servers import ThreadedApp, free_port

Shows = Literal["answer", "error", "progress", "nothing"]
"""What a thread shows in the end: the answer, an error, progress (or "queued"), or no placeholder."""


@dataclass(frozen=True)
class Thread:
    """What one question's thread shows now."""

    shows: Shows
    text: str
    """The placeholder's headline: "Final answer: 70", the error, or the progress line."""
    final: str | None
    """The final answer shown (answers only)."""
    answer_edits: int
    """Edits of the placeholder that put an answer in it (1: delivered once)."""
    placeholder: str | None
    """The placeholder's message id (Discord) or ts (Slack)."""


class Side(Protocol):
    """A chat platform, faked, with mathbot's real adapter in front of it."""

    platform: str

    def env(self, redis_url: str, tgi_url: str, **extra: str) -> dict[str, str]: ...

    def start(self, env: dict[str, str], logs: Path) -> None: ...

    def ask(self, number: int, text: str) -> str:
        """Ask `text` as a person would (question `number` of the scenario); returns its thread."""
        ...

    def look(self, thread: str) -> Thread: ...

    def stop(self) -> None: ...


ANSWER_HEAD = re.compile(r"^(?:## )?Final answer: (\S+)")


class DiscordSide:
    """The fake Discord (REST + gateway) and `mathbot discord`; questions are mentions in #general,
    each answered in the thread the adapter starts from it (the thread has the message's id)."""

    platform = "discord"

    def __init__(self) -> None:
        self.served: FakeServer = start_fake()
        self.fake = self.served.fake
        self.bot: subprocess.Popen[bytes] | None = None

    def env(self, redis_url: str, tgi_url: str, **extra: str) -> dict[str, str]:
        return discord_env(redis_url, tgi_url, self.fake, **extra)

    def start(self, env: dict[str, str], logs: Path) -> None:
        self.bot = start_bot(env, self.fake, logs / "discord.log")

    def ask(self, number: int, text: str) -> str:
        message = self.served.run(self.fake.send_message(text, mention_bot=True))
        return str(message["id"])

    def look(self, thread: str) -> Thread:
        found = self.fake.bot_messages(thread)
        if not found:
            return Thread("nothing", "", None, 0, None)
        head = found[0]
        content = str(head["content"])
        edits = [
            c
            for c in self.fake.calls
            if c.method == "PATCH"
            and c.path.endswith(f"/messages/{head['id']}")
            and isinstance(c.json, dict)
            and str(c.json.get("content") or "").startswith("## Final answer")
        ]
        match = ANSWER_HEAD.match(content)
        shows: Shows = "answer" if match else "error" if content.startswith("⚠️") else "progress"
        first_line = content.splitlines()[0] if content else ""
        return Thread(shows, first_line, match.group(1) if match else None, len(edits), str(head["id"]))

    def stop(self) -> None:
        if self.bot is not None:
            processes.stop(self.bot)
        self.served.server.stop()


class SlackSide:
    """The fake Slack Web API and `mathbot slack` (HTTP mode); questions are signed `app_mention`
    events in one channel, each answered in the thread under the mention."""

    platform = "slack"
    channel = "C0STORM01"
    user = "U0ADA001"

    def __init__(self) -> None:
        self.fake = FakeSlack()
        self.server = ThreadedApp(self.fake.app).start()
        self.fake.url = self.server.url
        self.port = free_port()
        self.adapter: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, redis_url: str, tgi_url: str, **extra: str) -> dict[str, str]:
        return settings_env(redis_url, tgi_url, **slack_vars(self.fake), PORT=str(self.port), **extra)

    def start(self, env: dict[str, str], logs: Path) -> None:
        self.adapter = processes.start(["slack"], env, log=logs / "slack.log")

        def healthy() -> bool:
            try:
                return httpx.get(self.url + "/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        processes.wait_for(healthy, timeout=30, message="mathbot slack to answer /health")

    def ask(self, number: int, text: str) -> str:
        ts = f"1699990000.{number:06d}"
        event = {
            "type": "app_mention",
            "channel": self.channel,
            "user": self.user,
            "text": f"<@{BOT_USER}> {html.escape(text, quote=False)}",
            "ts": ts,
        }
        response = signing.post(self.url, signing.event(event), signing.JSON)
        response.raise_for_status()
        return ts

    def look(self, thread: str) -> Thread:
        posts = self.fake.posted(self.channel, thread)
        if not posts:
            return Thread("nothing", "", None, 0, None)
        placeholder = str(posts[0].response["ts"])
        stored = self.fake.message(self.channel, placeholder) or {}
        blocks = stored.get("blocks") or []
        first = blocks[0] if blocks else {}
        headline = str((first.get("text") or {}).get("text") or stored.get("text") or "")
        edits = [
            c
            for c in self.fake.updates(placeholder)
            if c.response.get("ok") and (c.args.get("blocks") or [{}])[0].get("type") == "header"
        ]
        if first.get("type") == "header":
            match = ANSWER_HEAD.match(headline)
            return Thread("answer", headline, match.group(1) if match else None, len(edits), placeholder)
        shows: Shows = "error" if headline.startswith(":warning:") else "progress"
        return Thread(shows, headline, None, len(edits), placeholder)

    def stop(self) -> None:
        if self.adapter is not None:
            processes.stop(self.adapter)
        self.server.stop()


def side(platform: str) -> DiscordSide | SlackSide:
    """A fresh side for `platform` ("discord" or "slack"), its fake already serving."""
    if platform == "discord":
        return DiscordSide()
    if platform == "slack":
        return SlackSide()
    raise ValueError(f"no chat side for {platform!r}")


def question_behind(connection, platform: str, placeholder: str | None) -> str | None:  # type: ignore[no-untyped-def]
    """The id of the question a placeholder shows (None when unknown)."""
    return questions.question_id(connection, platform, placeholder) if placeholder else None
