"""Discord REST calls per answer, measured through the real pipeline: `mathbot discord` and a
`mathbot worker` pool, separate processes as in production, against the fake Discord of tests/discord
(REST and gateway) and the TGI simulator.

Asks QUESTIONS questions at once (mentions, each answered in its own thread; the first SOLVES of them
as /solve) spread over CHANNELS channels, waits for every answer, then prints the REST calls by route,
adapter and worker apart (the worker gets its own DISCORD_API_URL on the fake, so each call is known by
the process that made it), the most message edits (PATCH) in any 5 s (Discord allows ~5 per 5 s per
channel), and the progress edits each answer got. At the defaults (85 tokens/s, 10,000 reasoning
tokens) one answer takes ~2 minutes, as the real model's do, so a run takes 2-3 minutes.

    .venv/bin/python -m tests.discord.bench_calls                     # one answer (make bench-discord)
    .venv/bin/python -m tests.discord.bench_calls --questions 10 --channels 2 --solves 2

mathbot runs with its default settings (progress every 3 s), but with the per-user, per-channel and
queue limits raised so that every question is taken. It uses the Redis at MATHBOT_TEST_REDIS_URL
(default redis://127.0.0.1:6379/15) and flushes that database first.
"""

from __future__ import annotations

import argparse
import contextlib
import contextvars
import re
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from aiohttp import web
from rq import Worker

from tests.discord.conftest import FakeServer, start_bot
from tests.fakes.discord import API_PREFIX, CHANNEL_ID, GUILD_ID, TOKEN, Call, FakeDiscord
from tests.support import bench, processes
from tests.support import sim as simulator
from tests.support.data import aime
from tests.support.env import TEST_REDIS_URL
from tests.support.servers import ThreadedApp

WORKER_PREFIX = "/w"
"""The worker's DISCORD_API_URL is the fake's /w/api/v10, the adapter's its /api/v10."""

EDIT_WINDOW = 5.0
"""Seconds of Discord's per-channel message edit rate limit window."""

FINAL_PREFIXES = ("## ", "⚠️")
"""How an answer's first message (the edited placeholder) or an error starts."""

LIMITS = {
    "MATHBOT_USER_IN_FLIGHT": "10000",
    "MATHBOT_USER_PER_HOUR": "100000",
    "MATHBOT_CHANNEL_IN_FLIGHT": "10000",
    "MATHBOT_CHANNEL_PER_HOUR": "100000",
    "MATHBOT_MAX_QUEUE": "10000",
}
"""One person asks everything here: no question may be turned away by mathbot's own limits."""

_side: contextvars.ContextVar[str] = contextvars.ContextVar("side", default="adapter")
"""Set to "worker" while the fake handles a request that came in on the worker's prefix."""


class SideLog(list[Call]):
    """The fake's record of calls, also noting for each which side made it (`side_of`)."""

    def __init__(self) -> None:
        super().__init__()
        self.sides: dict[int, str] = {}

    def append(self, call: Call) -> None:
        self.sides[id(call)] = _side.get()
        super().append(call)

    def side_of(self, call: Call) -> str:
        return self.sides.get(id(call), "adapter")


class SidedDiscord(FakeDiscord):
    """The fake Discord, its REST API also served under /w/api/v10 for the worker."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: SideLog = SideLog()

    def app(self) -> web.Application:
        app = super().app()
        app.router.add_route("*", WORKER_PREFIX + API_PREFIX + "/{tail:.*}", self._worker_rest)
        return app

    async def _worker_rest(self, request: web.Request) -> web.Response:
        token = _side.set("worker")
        try:
            return await self.rest(request)
        finally:
            _side.reset(token)


@dataclass
class Question:
    index: int
    channel: int
    asked_at: float
    interaction: dict[str, Any] | None = None
    """A /solve's interaction payload (the fake fills in its response message)."""
    thread: str | None = None
    """The thread mathbot answers in: a mention's message id, a /solve's response message id."""
    placeholder: str | None = None
    answered: bool = False


def main(argv: list[str] | None = None) -> int:
    args = bench.parse_args("python -m tests.discord.bench_calls", __doc__, argv)
    connection = redis.Redis.from_url(TEST_REDIS_URL)
    connection.flushdb()
    logs = Path(tempfile.mkdtemp(prefix="mathbot-bench-discord-"))
    fake = SidedDiscord()
    print(bench.headline(args, logs), flush=True)
    with contextlib.ExitStack() as stack:
        server = ThreadedApp(fake.app)
        fake.base_url = server.url
        served = FakeServer(fake, server.start())
        stack.callback(server.stop)
        channels = [CHANNEL_ID] + [
            served.run(fake.add_channel(f"maths-{n}")) for n in range(1, args.channels)
        ]  # before the bot connects: its GUILD_CREATE lists them
        sim = simulator.start(
            tokens_per_second=args.tokens_per_second,
            reasoning_tokens=args.reasoning_tokens,
            tokens_per_chunk=args.tokens_per_chunk,
            capacity=max(64, args.questions),
        )
        stack.callback(sim.stop)
        env = {
            "REDIS_URL": TEST_REDIS_URL,
            "TGI_URL": sim.url,
            "DISCORD_BOT_TOKEN": TOKEN,
            "DISCORD_API_URL": fake.api_url,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "MATHBOT_DISCORD_GUILDS": str(GUILD_ID),
            "MATHBOT_LOG_LEVEL": "INFO",
            **LIMITS,
        }
        worker_env = {**env, "DISCORD_API_URL": fake.base_url + WORKER_PREFIX + API_PREFIX}
        worker = processes.start(["worker", "-n", str(args.workers)], worker_env, log=logs / "worker.log")
        stack.callback(processes.stop, worker, timeout=20)

        started = time.monotonic()
        bot = start_bot(env, fake, logs / "discord.log")
        stack.callback(processes.stop, bot)
        processes.wait_for(
            lambda: Worker.count(connection=connection) >= args.workers,
            timeout=180,
            interval=0.5,
            message=f"{args.workers} workers",
        )
        bench.settle(
            lambda: len(fake.calls), quiet=2.0, longest=20.0
        )  # the bot registers its commands after READY
        print(f"adapter and {args.workers} worker(s) up in {time.monotonic() - started:.1f} s", flush=True)
        startup = len(fake.calls)

        questions = ask(served, channels, args)
        processes.wait_for(lambda: find_placeholders(fake, questions), 60, 0.2, message="the placeholders")
        wait_for_answers(fake, questions, args.timeout)
        bench.settle(lambda: len(fake.calls), quiet=5.0, longest=60.0)
    report(fake, startup, questions)
    return 0


def ask(served: FakeServer, channels: list[int], args: argparse.Namespace) -> list[Question]:
    """Send every question as Discord would: the first `solves` as /solve, the rest as mentions."""
    problem = aime(1)["problem"]
    questions = []
    for i in range(args.questions):
        channel = channels[i % len(channels)]
        text = f"{problem} (q{i})"
        question = Question(i, channel, time.monotonic())
        if i < args.solves:
            question.interaction = served.run(served.fake.slash("solve", {"problem": text}, channel=channel))
        else:
            asked = served.run(served.fake.send_message(text, channel=channel, mention_bot=True))
            question.thread = str(asked["id"])  # a thread started from a message has its id
        questions.append(question)
    return questions


def find_placeholders(fake: FakeDiscord, questions: list[Question]) -> bool:
    """Note each question's thread and placeholder (mathbot's first message there); True once all have one."""
    for question in questions:
        if question.thread is None and question.interaction is not None:
            response = question.interaction.get("response_message_id")
            question.thread = str(response) if response else None
        if question.placeholder is None and question.thread is not None:
            messages = fake.bot_messages(question.thread)
            question.placeholder = str(messages[0]["id"]) if messages else None
    return all(q.placeholder for q in questions)


def wait_for_answers(fake: FakeDiscord, questions: list[Question], timeout: float) -> None:
    """Wait until every placeholder shows an answer (with reasoning.md) or an error, or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for question in questions:
            if not question.answered and question.thread is not None:
                messages = fake.bot_messages(question.thread)
                files = [a["filename"] for m in messages for a in m.get("attachments", [])]
                head = messages[0]["content"] if messages else ""
                question.answered = (head.startswith("## ") and "reasoning.md" in files) or head.startswith(
                    "⚠️"
                )
        if all(q.answered for q in questions):
            return
        time.sleep(1)


def route(call: Call) -> str:
    """`PATCH /channels/{c}/messages/{m}`: the call's method and path, ids and tokens left out."""
    path = re.sub(r"/messages/\d+", "/messages/{m}", call.path)
    path = re.sub(r"/channels/\d+", "/channels/{c}", path)
    path = re.sub(r"/applications/\d+", "/applications/{app}", path)
    path = re.sub(r"/guilds/\d+", "/guilds/{g}", path)
    path = re.sub(r"/(interactions|webhooks)/\d+/[^/]+", r"/\1/{id}/{token}", path)
    return f"{call.method} {path}"


def is_message_edit(call: Call) -> bool:
    return call.method == "PATCH" and re.fullmatch(r"/channels/\d+/messages/\d+", call.path) is not None


def print_table(fake: SidedDiscord, calls: list[Call], answers: int) -> None:
    bench.print_table("route", [(route(call), fake.calls.side_of(call)) for call in calls], answers)


def report(fake: SidedDiscord, startup: int, questions: list[Question]) -> None:
    calls = fake.calls[startup:]
    answered = [q for q in questions if q.answered]
    print(f"\nanswered: {len(answered)} of {len(questions)}")
    if answered:  # an answer is done with the last call in its thread (reasoning.md attached)
        seconds = [
            max(c.at for c in calls if c.path.startswith(f"/channels/{q.thread}/")) - q.asked_at
            for q in answered
        ]
        print(f"time to answer: median {statistics.median(seconds):.1f} s, max {max(seconds):.1f} s")
    print(f"\nDiscord REST calls after start-up, by route ({len(questions)} question(s)):")
    print_table(fake, calls, len(questions))
    before = Counter(f"{fake.calls.side_of(c)} {route(c)}" for c in fake.calls[:startup])
    print("start-up calls (not counted above):", ", ".join(f"{k} {n}" for k, n in sorted(before.items())))

    edits = [c for c in calls if is_message_edit(c)]
    per_channel: dict[str, list[float]] = defaultdict(list)
    for call in edits:
        per_channel[call.path.split("/")[2]].append(call.at)
    in_one = max((bench.max_in_window(times, EDIT_WINDOW) for times in per_channel.values()), default=0)
    print(
        f"\nmessage PATCH: max {in_one} in any {EDIT_WINDOW:g} s window in one channel or thread, "
        f"{bench.max_in_window([c.at for c in edits], EDIT_WINDOW)} across all "
        f"({len(edits)} in all; Discord allows ~5 per 5 s per channel)"
    )
    progress = [len(progress_edits(fake, calls, q)) for q in questions]
    print(
        f"progress edits per answer: min {min(progress)}, median {statistics.median(progress):g}, "
        f"max {max(progress)} ({sum(progress)} in all)"
    )


def progress_edits(fake: SidedDiscord, calls: list[Call], question: Question) -> list[Call]:
    """The worker's edits of a placeholder before its answer (or error)."""
    path = f"/channels/{question.thread}/messages/{question.placeholder}"
    return [
        c
        for c in calls
        if c.method == "PATCH"
        and c.path == path
        and fake.calls.side_of(c) == "worker"
        and not content(c).startswith(FINAL_PREFIXES)
    ]


def content(call: Call) -> str:
    return str(call.json.get("content") or "") if isinstance(call.json, dict) else ""


if __name__ == "__main__":
    raise SystemExit(main())
