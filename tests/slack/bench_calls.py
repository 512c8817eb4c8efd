"""Slack Web API calls per answer, measured through the real pipeline: `mathbot slack` (HTTP mode) and a
`mathbot worker` pool, separate processes as in production, against the fake Web API of tests/slack and
the TGI simulator.

Asks QUESTIONS questions at once (app mentions; the first SOLVES of them as /solve) spread over CHANNELS
channels, waits for every answer, then prints the Web API calls by method, adapter and worker apart (the
worker gets its own SLACK_API_URL on the fake, so each call is known by the process that made it), the
most chat.update calls in any 60 s (Slack's Tier 3: ~50 a minute per workspace), and the progress edits
each answer got. At the defaults (85 tokens/s, 10,000 reasoning tokens) one answer takes ~2 minutes, as
the real model's do, so a run takes 2-3 minutes.

    .venv/bin/python -m tests.slack.bench_calls                       # one answer (make bench-slack)
    .venv/bin/python -m tests.slack.bench_calls --questions 50 --channels 10 --solves 10

mathbot runs with its default settings (progress every 3 s, 40 progress edits a minute per workspace),
but with the per-user, per-channel and queue limits raised so that every question is taken. It uses the
Redis at MATHBOT_TEST_REDIS_URL (default redis://127.0.0.1:6379/15) and flushes that database first.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import redis
from aiohttp import web
from rq import Worker

from tests.fakes.slack import BOT_TOKEN, BOT_USER, Call, FakeSlack, signing
from tests.slack import flows
from tests.support import bench, processes
from tests.support import sim as simulator
from tests.support.data import aime
from tests.support.env import TEST_REDIS_URL
from tests.support.servers import ThreadedApp, free_port

WORKER_PREFIX = "/w"
"""The worker's SLACK_API_URL is the fake's /w/api/, the adapter's its /api/."""

SIDE = "_side"
"""The argument under which each recorded call notes its side ("adapter" or "worker")."""

ASKER = "U0ADA001"
UPDATE_WINDOW = 60.0
"""Seconds of Slack's chat.update rate limit window (Tier 3)."""

LIMITS = {
    "MATHBOT_USER_IN_FLIGHT": "10000",
    "MATHBOT_USER_PER_HOUR": "100000",
    "MATHBOT_CHANNEL_IN_FLIGHT": "10000",
    "MATHBOT_CHANNEL_PER_HOUR": "100000",
    "MATHBOT_MAX_QUEUE": "10000",
}
"""One person asks everything here: no question may be turned away by mathbot's own limits."""


class SidedSlack(FakeSlack):
    """The fake Web API, also served under /w/api/ for the worker; every call notes which side made it."""

    def app(self) -> web.Application:
        app = super().app()
        app.router.add_route("*", WORKER_PREFIX + "/api/{method}", self._api)
        return app

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args = await super()._args(request)
        args[SIDE] = "worker" if request.path.startswith(WORKER_PREFIX + "/") else "adapter"
        return args


@dataclass
class Question:
    index: int
    channel: str
    event_ts: str | None
    """The mention's ts (the thread mathbot answers in); None for /solve, whose root mathbot posts."""
    asked_at: float
    placeholder: str | None = None
    final: Call | None = None

    @property
    def tag(self) -> str:
        return f"(q{self.index})"


def main(argv: list[str] | None = None) -> int:
    args = bench.parse_args("python -m tests.slack.bench_calls", __doc__, argv)
    connection = redis.Redis.from_url(TEST_REDIS_URL)
    connection.flushdb()
    logs = Path(tempfile.mkdtemp(prefix="mathbot-bench-slack-"))
    fake = SidedSlack()
    print(bench.headline(args, logs), flush=True)
    with contextlib.ExitStack() as stack:
        served = ThreadedApp(fake.app).start()
        stack.callback(served.stop)
        fake.url = served.url
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
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "MATHBOT_LOG_LEVEL": "INFO",
            **LIMITS,
        }
        worker_env = {**env, "SLACK_API_URL": fake.url + WORKER_PREFIX + "/api/"}
        worker = processes.start(["worker", "-n", str(args.workers)], worker_env, log=logs / "worker.log")
        stack.callback(processes.stop, worker, timeout=20)
        port = free_port()
        adapter_env = {
            **env,
            "SLACK_API_URL": fake.url + "/api/",
            "SLACK_SIGNING_SECRET": signing.SIGNING_SECRET,
            "PORT": str(port),
        }
        adapter = processes.start(["slack"], adapter_env, log=logs / "slack.log")
        stack.callback(processes.stop, adapter)
        adapter_url = f"http://127.0.0.1:{port}"

        started = time.monotonic()
        processes.wait_for(
            lambda: _healthy(adapter_url), timeout=30, interval=0.2, message="`mathbot slack` to listen"
        )
        processes.wait_for(
            lambda: Worker.count(connection=connection) >= args.workers,
            timeout=180,
            interval=0.5,
            message=f"{args.workers} workers",
        )
        print(f"adapter and {args.workers} worker(s) up in {time.monotonic() - started:.1f} s", flush=True)
        bench.settle(lambda: len(fake.calls), quiet=1.0, longest=10.0)
        startup = len(fake.api_calls())

        questions = ask(fake, adapter_url, args)
        processes.wait_for(lambda: find_placeholders(fake, questions), 60, 0.2, message="the placeholders")
        wait_for_answers(fake, questions, args.timeout)
        bench.settle(lambda: len(fake.calls), quiet=5.0, longest=60.0)  # formula images follow the answer
    report(fake.api_calls()[:startup], fake.api_calls()[startup:], questions)
    return 0


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def ask(fake: FakeSlack, adapter_url: str, args: argparse.Namespace) -> list[Question]:
    """Send every question as Slack would: the first `solves` as /solve, the rest as app mentions."""
    problem = aime(1)["problem"]
    questions = []
    for i in range(args.questions):
        channel = f"C0BENCH{i % args.channels:03d}"
        text = f"{problem} (q{i})"
        asked_at = time.monotonic()
        if i < args.solves:
            body = signing.command(text, channel, ASKER, fake.url + "/response/solve")
            response = signing.post(adapter_url, body, signing.FORM)
            questions.append(Question(i, channel, None, asked_at))
        else:
            ts = f"1699990000.{i:06d}"
            event = {
                "type": "app_mention",
                "channel": channel,
                "user": ASKER,
                "text": f"<@{BOT_USER}> {text}",
                "ts": ts,
            }
            response = signing.post(adapter_url, signing.event(event), signing.JSON)
            questions.append(Question(i, channel, ts, asked_at))
        response.raise_for_status()
    return questions


def find_placeholders(fake: FakeSlack, questions: list[Question]) -> bool:
    """Note each question's placeholder (mathbot's first message in its thread); True once all have one."""
    for question in questions:
        if question.placeholder:
            continue
        thread = question.event_ts
        if thread is None:  # /solve: mathbot posts the problem as the thread's root first
            roots = [c for c in fake.roots(question.channel) if question.tag in c.args.get("text", "")]
            thread = str(roots[0].response["ts"]) if roots else None
        posts = fake.posted(question.channel, thread) if thread else []
        if posts:
            question.placeholder = str(posts[0].response["ts"])
    return all(q.placeholder for q in questions)


def wait_for_answers(fake: FakeSlack, questions: list[Question], timeout: float) -> None:
    """Note each question's final edit (answer or error), until all have one or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for question in questions:
            if question.final is None and question.placeholder:
                question.final = next(
                    (
                        c
                        for c in fake.updates(question.placeholder)
                        if flows.is_final(c) and c.response.get("ok")
                    ),
                    None,
                )
        if all(q.final for q in questions):
            return
        time.sleep(1)


def side(call: Call) -> str:
    return str(call.args.get(SIDE, "adapter"))


def print_table(calls: list[Call], answers: int) -> None:
    bench.print_table("method", [(call.method, side(call)) for call in calls], answers)


def progress_edits(calls: list[Call], placeholder: str | None) -> list[Call]:
    """The worker's edits of a placeholder before its answer (or error)."""
    return [
        c
        for c in calls
        if c.method == "chat.update"
        and c.args.get("ts") == placeholder
        and side(c) == "worker"
        and not flows.is_final(c)
    ]


def report(startup: list[Call], calls: list[Call], questions: list[Question]) -> None:
    answered = [q for q in questions if q.final is not None]
    print(f"\nanswered: {len(answered)} of {len(questions)}")
    if answered:
        seconds = [q.final.at - q.asked_at for q in answered if q.final is not None]
        print(f"time to answer: median {statistics.median(seconds):.1f} s, max {max(seconds):.1f} s")
    print(f"\nSlack Web API calls after start-up, by method ({len(questions)} question(s)):")
    print_table(calls, len(questions))
    before = Counter(f"{side(c)} {c.method}" for c in startup)
    print("start-up calls (not counted above):", ", ".join(f"{k} {n}" for k, n in sorted(before.items())))
    if any(c.method == "auth.test" for c in calls):
        print("(auth.test after start-up: Bolt's own check, once per adapter process, at its first request)")
    refused = Counter(
        f"{c.method} {c.response.get('error') or c.status}"
        for c in calls
        if c.status != 200 or not c.response.get("ok")
    )
    print("refused calls:", ", ".join(f"{k} ×{n}" for k, n in sorted(refused.items())) or "none")

    updates = [c.at for c in calls if c.method == "chat.update"]
    print(
        f"\nchat.update: max {bench.max_in_window(updates, UPDATE_WINDOW)} in any {UPDATE_WINDOW:g} s window "
        f"({len(updates)} in all; Slack Tier 3 allows ~50 a minute per workspace)"
    )
    edits = [len(progress_edits(calls, q.placeholder)) for q in questions]
    print(
        f"progress edits per answer: min {min(edits)}, median {statistics.median(edits):g}, "
        f"max {max(edits)} ({sum(edits)} in all)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
