"""A bounded soak: ~350 signed Slack requests for 120 questions (mentions, DMs, /solve) from several people
in several channels, with Slack's retries (some delayed, some whose first delivery never arrived) and
mentions delivered twice (`app_mention` and `message`), against the HTTP app, a pool of worker processes,
real Redis and the simulator. Every question must get exactly one answer, in its own thread.

Slash commands are sent once: Slack never retries them (a /solve typed twice is two questions).
"""

from __future__ import annotations

import html
import logging
import random
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx
import pytest
import redis

from tests.fakes.slack import BOT_USER, FakeSlack, signing
from tests.slack import flows
from tests.slack.conftest import slack_vars
from tests.slack.flows import workers
from tests.support import data
from tests.support import sim as simulator
from tests.support.env import settings_env
from tests.support.processes import wait_for
from tests.support.servers import ThreadedApp
from tests.support.sim import Sim
from tests.support.waiting import assert_quiet

MENTIONS, DMS, SOLVES = 50, 40, 30
"""Distinct questions of each kind (120 in all)."""

LOST_FIRST = 6
"""Mentions and DMs each whose first delivery never arrives: only Slack's retries bring them."""

USERS = [f"U0SOAK{n:03d}" for n in range(1, 7)]
CHANNELS = [f"C0SOAK{n:03d}" for n in range(1, 5)]
WORKER_PROCESSES = 4
SENDERS = 16
"""Requests in flight at once (Slack delivers concurrently)."""

SPREAD_SECONDS = 4.0
"""First deliveries are spread over this long; retries follow each within a few seconds."""

ANSWER_DEADLINE = 150.0
SETTLE_SECONDS = 1.5
"""After the last answer, how long anything late (a duplicate answer) has to show up."""

LIMITS = {
    "MATHBOT_USER_IN_FLIGHT": "1000",
    "MATHBOT_USER_PER_HOUR": "10000",
    "MATHBOT_CHANNEL_IN_FLIGHT": "1000",
    "MATHBOT_CHANNEL_PER_HOUR": "10000",
    "MATHBOT_MAX_QUEUE": "1000",
    "MATHBOT_SLACK_MAX_IMAGES": "0",  # rendering formulas is not what this test is about
}
"""Settings for the adapter and the workers: the soak is about delivery, not admission control."""

Kind = Literal["mention", "dm", "solve"]


@dataclass(frozen=True)
class Ask:
    """One distinct question of the soak."""

    number: int
    kind: Kind
    channel: str
    user: str
    text: str
    expected: str
    """The official answer the simulator boxes."""
    ts: str
    """The message's ts (mentions and DMs); for /solve the root message mathbot posts is the thread."""

    @property
    def marker(self) -> str:
        return marker(self.number)


def marker(number: int) -> str:
    """What tells apart two questions on the same problem (and finds a /solve's root message)."""
    return f"(soak question {number})"


@dataclass(frozen=True)
class Delivery:
    """One signed request, sent `at` seconds after the soak starts."""

    at: float
    body: str
    content_type: str
    label: str
    retry_num: int | None = None


@pytest.fixture
def sim() -> Iterator[Sim]:
    """The simulator, fast: short reasoning at a high token rate, several tokens per chunk."""
    app = simulator.start(tokens_per_second=4000.0, reasoning_tokens=60, tokens_per_chunk=8)
    yield app
    app.stop()


@pytest.fixture
def env(redis_url: str, sim: Sim, fake_slack: FakeSlack) -> dict[str, str]:
    """The Slack test environment with limits raised for the soak."""
    return settings_env(redis_url, sim.url, **slack_vars(fake_slack), **LIMITS)


def problems() -> list[tuple[str, str]]:
    """(problem, official answer) of AIME 2024 and 2025."""
    return [
        (row["problem"], str(row["answer"])) for name in ("aime_2024", "aime_2025") for row in data.rows(name)
    ]


def build_asks() -> list[Ask]:
    """120 distinct questions: each problem twice, told apart by a marker, across people and channels."""
    pool = problems()
    counts: tuple[tuple[Kind, int], ...] = (("mention", MENTIONS), ("dm", DMS), ("solve", SOLVES))
    kinds = [kind for kind, count in counts for _ in range(count)]
    asks = []
    for number, kind in enumerate(kinds, start=1):
        problem, answer = pool[number % len(pool)]
        user = USERS[number % len(USERS)]
        channel = f"D0SOAK{USERS.index(user):03d}" if kind == "dm" else CHANNELS[number % len(CHANNELS)]
        text = f"{problem} {marker(number)}"
        asks.append(Ask(number, kind, channel, user, text, answer, f"1699990000.{number:06d}"))
    return asks


def event_of(ask: Ask, as_message: bool = False) -> dict[str, object]:
    """The event Slack sends for a mention (`app_mention`, or its `message` twin) or a DM; the text
    HTML-escaped as Slack sends it."""
    text = html.escape(ask.text, quote=False)
    if ask.kind == "dm":
        return {
            "type": "message",
            "channel": ask.channel,
            "channel_type": "im",
            "user": ask.user,
            "text": text,
            "ts": ask.ts,
        }
    event: dict[str, object] = {
        "type": "app_mention",
        "channel": ask.channel,
        "user": ask.user,
        "text": f"<@{BOT_USER}> {text}",
        "ts": ask.ts,
    }
    if as_message:
        event.update(type="message", channel_type="channel")
    return event


def deliveries_of(ask: Ask, start: float, lost_first: bool, rng: random.Random, url: str) -> list[Delivery]:
    """Every request Slack sends for one question: the first delivery (unless lost), retries 1 and 2
    of it (same body and event id), and for a mention the `message` twin."""
    if ask.kind == "solve":
        body = signing.command(html.escape(ask.text, quote=False), ask.channel, ask.user, url)
        return [Delivery(start, body, signing.FORM, "solve")]
    body = signing.event(event_of(ask), event_id=f"EvSOAK{ask.number:04d}A")
    out = [] if lost_first else [Delivery(start, body, signing.JSON, ask.kind)]
    first_retry = start + rng.uniform(0.0, 1.5)
    out.append(Delivery(first_retry, body, signing.JSON, f"{ask.kind} retry 1", retry_num=1))
    out.append(Delivery(first_retry + rng.uniform(0.5, 3.0), body, signing.JSON, f"{ask.kind} retry 2", 2))
    if ask.kind == "mention":
        twin = signing.event(event_of(ask, as_message=True), event_id=f"EvSOAK{ask.number:04d}B")
        out.append(Delivery(start + rng.uniform(-0.2, 0.5), twin, signing.JSON, "mention as message"))
    return out


def plan(asks: list[Ask], response_url: str, seed: int = 7) -> list[Delivery]:
    """All deliveries of the soak, in the order of their send times."""
    rng = random.Random(seed)
    lost = {a.number for a in asks if a.kind == "mention"}, {a.number for a in asks if a.kind == "dm"}
    lost_numbers = set(sorted(lost[0])[:LOST_FIRST]) | set(sorted(lost[1])[:LOST_FIRST])
    out = []
    for ask in asks:
        start = rng.uniform(0, SPREAD_SECONDS)
        out += deliveries_of(ask, start, ask.number in lost_numbers, rng, response_url)
    return sorted(out, key=lambda d: d.at)


def send_all(url: str, deliveries: list[Delivery]) -> list[float]:
    """Send every delivery at its time, SENDERS at once; the seconds each took to be acknowledged."""
    started = time.monotonic()

    with httpx.Client(timeout=10) as client:

        def send(delivery: Delivery) -> float:
            time.sleep(max(0.0, started + delivery.at - time.monotonic()))
            headers = {"Content-Type": delivery.content_type, **signing.headers(delivery.body)}
            if delivery.retry_num is not None:
                headers["X-Slack-Retry-Num"] = str(delivery.retry_num)
                headers["X-Slack-Retry-Reason"] = "http_timeout"
            sent = time.monotonic()
            response = client.post(url + "/slack/events", content=delivery.body, headers=headers)
            assert response.status_code == 200, (delivery.label, response.status_code, response.text)
            return time.monotonic() - sent

        with ThreadPoolExecutor(SENDERS) as pool:
            return list(pool.map(send, deliveries))


def thread_of(fake: FakeSlack, ask: Ask) -> tuple[str, str] | None:
    """Where the question is answered: under its message, or under the root message of its /solve."""
    if ask.kind != "solve":
        return ask.channel, ask.ts
    roots = [c for c in fake.roots(ask.channel) if ask.marker in c.args.get("text", "")]
    return (ask.channel, roots[0].response["ts"]) if roots else None


def answered(fake: FakeSlack, asks: list[Ask]) -> int:
    """How many questions have a final edit of a placeholder in their thread."""
    done = 0
    for ask in asks:
        where = thread_of(fake, ask)
        posts = fake.posted(*where) if where else []
        if posts and any(
            flows.is_final(c) and c.response.get("ok") for c in fake.updates(posts[0].response["ts"])
        ):
            done += 1
    return done


def check_exactly_once(fake: FakeSlack, asks: list[Ask]) -> list[str]:
    """Every way the soak can go wrong, one line each (empty: all good)."""
    problems_found: list[str] = []
    threads: set[tuple[str, str]] = set()
    for ask in asks:
        where = thread_of(fake, ask)
        if ask.kind == "solve":
            roots = [c for c in fake.roots(ask.channel) if ask.marker in c.args.get("text", "")]
            if len(roots) != 1:
                problems_found.append(f"#{ask.number} /solve: {len(roots)} root messages")
        if where is None:
            problems_found.append(f"#{ask.number} {ask.kind}: no thread")
            continue
        threads.add(where)
        posts = fake.posted(*where)
        if len(posts) != 1 or not posts[0].args.get("text", "").startswith("Queued"):
            problems_found.append(
                f"#{ask.number} {ask.kind}: posts in thread {[c.args.get('text') for c in posts]}"
            )
            continue
        placeholder = posts[0].response["ts"]
        finals = [c for c in fake.updates(placeholder) if flows.is_final(c)]
        heads = [flows.headline(c) for c in finals]
        if heads != [f"Final answer: {ask.expected}"] or not finals[0].response.get("ok"):
            problems_found.append(f"#{ask.number} {ask.kind}: final edits {heads} (expected {ask.expected})")
        elif fake.updates(placeholder)[-1] is not finals[0]:
            problems_found.append(f"#{ask.number} {ask.kind}: edited again after its answer")
    strays = [
        c
        for c in fake.posted()
        if c.args.get("thread_ts") and (c.args["channel"], c.args["thread_ts"]) not in threads
    ]
    if strays:
        problems_found.append(f"{len(strays)} messages posted outside the questions' threads")
    failed = [c for c in fake.calls_to("chat.update", "chat.postMessage") if not c.response.get("ok")]
    if failed:
        problems_found.append(
            f"{len(failed)} failed calls: {Counter(c.response.get('error') for c in failed)}"
        )
    return problems_found


def test_soak_every_question_is_answered_exactly_once(
    fake_slack: FakeSlack,
    slack_app: ThreadedApp,
    env: dict[str, str],
    tmp_path: Path,
    redis_conn: redis.Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bots.slack.handlers")
    asks = build_asks()
    deliveries = plan(asks, fake_slack.url + "/response/command")
    started = time.monotonic()
    with workers(env, tmp_path, args=("-n", str(WORKER_PROCESSES))):
        latencies = send_all(slack_app.url, deliveries)
        sent_at = time.monotonic()
        wait_for(
            lambda: answered(fake_slack, asks) == len(asks),
            ANSWER_DEADLINE,
            interval=0.5,
            message=f"answers to all {len(asks)} questions (got {answered(fake_slack, asks)})",
        )
        answered_at = time.monotonic()
        assert_quiet(
            lambda: (
                len([c for c in fake_slack.calls_to("chat.update") if flows.is_final(c)]),
                len(fake_slack.calls_to("chat.postMessage")),
                len(redis_conn.keys("rq:job:*")),
            ),
            SETTLE_SECONDS,
            "a duplicate answer",
        )
    wall = time.monotonic() - started

    dropped = sum("duplicate delivery dropped" in r.getMessage() for r in caplog.records)
    events = [d for d in deliveries if d.label != "solve"]
    calls = Counter(c.method for c in fake_slack.api_calls())
    finals = [c for c in fake_slack.calls_to("chat.update") if flows.is_final(c)]
    print(
        f"\nSlack soak: {len(deliveries)} requests sent ({dict(Counter(d.label for d in deliveries))}) "
        f"for {len(asks)} questions ({MENTIONS} mentions, {DMS} DMs, {SOLVES} /solve); "
        f"{len(finals)} answers; {dropped} duplicate deliveries dropped; "
        f"ack max {max(latencies):.2f} s; sending {sent_at - started:.1f} s, "
        f"all answered after {answered_at - started:.1f} s, wall {wall:.1f} s; "
        f"RQ jobs {len(redis_conn.keys('rq:job:*'))}; API calls {dict(sorted(calls.items()))}"
    )
    assert check_exactly_once(fake_slack, asks) == []
    assert len(finals) == len(asks)
    assert dropped == len(events) - (MENTIONS + DMS)  # each event question taken once, the rest dropped
    assert calls["chat.postMessage"] == len(asks) + SOLVES  # placeholders, and /solve's root messages
    assert len(redis_conn.keys("rq:job:*")) == len(asks)  # one job per question
    assert max(latencies) < 3.0  # Slack's deadline for an ack
