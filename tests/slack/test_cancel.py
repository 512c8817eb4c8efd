"""Cancel end to end: the "Cancel" button on a pending question's placeholder, clicked through the signed
HTTP app; only the asker may cancel, a cancelled question is never answered, a running one is stopped."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import redis
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from bots.slack import blocks, texts
from mathbot import messages, questions, queue, runs
from mathbot.settings import Settings
from tests.fakes.slack import BOT_USER, Call, FakeSlack, signing
from tests.slack import flows
from tests.slack.flows import workers
from tests.support.data import aime
from tests.support.processes import wait_for
from tests.support.servers import ThreadedApp
from tests.support.sim import Sim
from tests.support.waiting import assert_quiet

CHANNEL = "C0MATHS01"
ADA = "U0ADA001"
BOB = "U0BOB002"

QUIET_SECONDS = 2.0
"""How long a test watches for anything late (an answer after a cancel) before concluding."""


def ask(app: ThreadedApp, ts: str) -> None:
    """Ada mentions mathbot with AIME 2025 #1 (the simulator answers 70)."""
    event = {
        "type": "app_mention",
        "channel": CHANNEL,
        "user": ADA,
        "text": f"<@{BOT_USER}> {aime(1)['problem']}",
        "ts": ts,
    }
    assert signing.post(app.url, signing.event(event), signing.JSON).status_code == 200


def cancel_button(call: Call) -> dict[str, Any] | None:
    """The "Cancel" button of an edit, if it has one."""
    for block in call.args.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == blocks.CANCEL_ACTION:
                return dict(element)
    return None


def pending_edit(fake: FakeSlack, ts: str, running: bool = False, timeout: float = 10) -> Call:
    """Placeholder `ts` with its "Cancel" button: as posted ("Queued"), or its first progress edit if
    `running`."""

    def found() -> Call | None:
        calls = fake.updates(ts) if running else [c for c in fake.posted() if c.response["ts"] == ts]
        return next((call for call in calls if cancel_button(call)), None)

    return wait_for(found, timeout, message=f"a pending edit of {ts}")  # type: ignore[no-any-return]


def click_cancel(app: ThreadedApp, edit: Call, user: str, thread: str) -> float:
    """Click the edit's "Cancel" as `user`, the way Slack posts it; returns how long the ack took."""
    button = cancel_button(edit)
    assert button is not None
    body = signing.action(blocks.CANCEL_ACTION, button["value"], CHANNEL, user, edit.response["ts"], thread)
    started = time.monotonic()
    response = signing.post(app.url, body, signing.FORM)
    assert response.status_code == 200
    return time.monotonic() - started


def ephemerals(fake: FakeSlack, count: int) -> list[Call]:
    return wait_for(  # type: ignore[no-any-return]
        lambda: (c := fake.calls_to("chat.postEphemeral")) and len(c) >= count and c,
        10,
        message=f"{count} ephemeral notes",
    )


def cancelled_edit(fake: FakeSlack, ts: str) -> Call:
    return wait_for(  # type: ignore[no-any-return]
        lambda: next((c for c in fake.updates(ts) if c.args.get("text") == messages.CANCELLED), None),
        10,
        message=f"the cancelled edit of {ts}",
    )


def job_status(connection: redis.Redis, question_id: str) -> JobStatus:
    job = Job.fetch(question_id, connection=connection, serializer=JSONSerializer)
    return job.get_status(refresh=True)  # type: ignore[return-value]


def test_asker_cancels_a_queued_question_and_it_is_never_answered(
    fake_slack: FakeSlack,
    slack_app: ThreadedApp,
    settings: Settings,
    env: dict[str, str],
    tmp_path: Path,
    redis_conn: redis.Redis,
) -> None:
    thread = "1699999999.100000"
    ask(slack_app, thread)  # no worker yet: the question waits in the queue
    ts = flows.placeholder(fake_slack, CHANNEL, thread)
    queued = pending_edit(fake_slack, ts)
    assert queued.args["text"] == messages.queued(1)
    button = cancel_button(queued)
    assert button and button["confirm"]  # its value names no message: the click's container does
    question_id = questions.question_id(redis_conn, "slack", ts)
    assert question_id

    assert click_cancel(slack_app, queued, ADA, thread) < 3
    cancelled = cancelled_edit(fake_slack, ts)
    assert cancelled.args["blocks"] == []  # sent empty: Slack keeps the old blocks (the button) otherwise
    assert job_status(redis_conn, question_id) == JobStatus.CANCELED
    assert redis_conn.zscore(f"mathbot:limits:flight:user:slack:{ADA}", question_id) is None

    click_cancel(slack_app, queued, ADA, thread)  # a second click: nothing left to cancel
    note = ephemerals(fake_slack, 1)[0]
    assert (note.args["user"], note.args["text"]) == (ADA, texts.CANCEL_FINISHED)

    with workers(env, tmp_path):  # a worker now finds nothing to answer
        wait_for(lambda: queue.workers_alive(settings, redis_conn), 30, message="the worker")
        assert_quiet(
            lambda: (len(fake_slack.calls_to("chat.postMessage")), len(fake_slack.updates(ts))), QUIET_SECONDS
        )
    assert fake_slack.message(CHANNEL, ts)["text"] == messages.CANCELLED  # type: ignore[index]
    assert fake_slack.updates(ts)[-1] is cancelled
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # the placeholder, nothing else
    assert not [c for c in fake_slack.calls_to("chat.update") if flows.is_final(c)]
    assert queue.question_queue(settings, redis_conn).count == 0


def test_only_the_asker_can_cancel_and_the_answer_still_arrives(
    fake_slack: FakeSlack,
    slack_app: ThreadedApp,
    sim: Sim,
    env: dict[str, str],
    tmp_path: Path,
    redis_conn: redis.Redis,
) -> None:
    sim.faults(tokens_per_second=300)  # a few seconds of thinking
    thread = "1699999999.200000"
    with workers(env, tmp_path):
        ask(slack_app, thread)
        ts = flows.placeholder(fake_slack, CHANNEL, thread)
        pending = pending_edit(fake_slack, ts)
        assert click_cancel(slack_app, pending, BOB, thread) < 3
        refusal = ephemerals(fake_slack, 1)[0]
        expected = {"channel": CHANNEL, "user": BOB, "text": texts.CANCEL_NOT_YOURS, "thread_ts": thread}
        assert expected.items() <= refusal.args.items()
        answer = flows.final(fake_slack, ts)
        assert flows.headline(answer) == "Final answer: 70"
        assert cancel_button(answer) is None  # answers never offer "Cancel"

        click_cancel(slack_app, pending, ADA, thread)  # too late: it is answered
        late = ephemerals(fake_slack, 2)[1]
        assert (late.args["user"], late.args["text"]) == (ADA, texts.CANCEL_FINISHED)
        assert_quiet(lambda: fake_slack.updates(ts)[-1] is answer, 0.5, "no edit after the answer")
    assert fake_slack.updates(ts)[-1] is answer
    question_id = questions.question_id(redis_conn, "slack", ts)
    assert question_id and runs.state(redis_conn, question_id) == "delivered"
    assert job_status(redis_conn, question_id) == JobStatus.FINISHED


def test_asker_cancels_a_running_question_and_its_generation_stops(
    fake_slack: FakeSlack,
    slack_app: ThreadedApp,
    settings: Settings,
    sim: Sim,
    env: dict[str, str],
    tmp_path: Path,
    redis_conn: redis.Redis,
) -> None:
    sim.faults(tokens_per_second=30)  # ~10 s of thinking
    thread = "1699999999.300000"
    with workers(env, tmp_path) as started:
        ask(slack_app, thread)
        ts = flows.placeholder(fake_slack, CHANNEL, thread)
        progress = pending_edit(fake_slack, ts, running=True)
        assert progress.args["text"].startswith("*Thinking")
        wait_for(  # "Thinking" is shown just before the request: cancel once it streams
            lambda: sim.stats()["in_flight"] == 1, 10, message="the stream"
        )
        question_id = questions.question_id(redis_conn, "slack", ts)
        assert question_id and job_status(redis_conn, question_id) == JobStatus.STARTED

        assert click_cancel(slack_app, progress, ADA, thread) < 3
        cancelled = cancelled_edit(fake_slack, ts)
        wait_for(  # RQ's view: canceled, not a failure
            lambda: job_status(redis_conn, question_id) == JobStatus.CANCELED, 10, message="the job canceled"
        )
        rq_queue = queue.question_queue(settings, redis_conn)
        assert question_id in rq_queue.canceled_job_registry.get_job_ids()
        assert question_id not in rq_queue.failed_job_registry.get_job_ids()
        wait_for(
            lambda: sim.stats()["in_flight"] == 0,
            10,
            message="the generation to end",
        )
        assert_quiet(  # a late progress edit or answer would land now
            lambda: (
                len(fake_slack.calls_to("chat.postMessage", "chat.postEphemeral")),
                len(fake_slack.updates(ts)),
            ),
            QUIET_SECONDS,
        )
        assert all(p.poll() is None for p in started)  # the worker itself lives on
    stats = sim.stats()
    assert stats["generations_completed"] == 0 and stats["clients_disconnected"] == 1
    assert fake_slack.updates(ts)[-1] is cancelled
    assert fake_slack.message(CHANNEL, ts)["text"] == messages.CANCELLED  # type: ignore[index]
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert not fake_slack.calls_to("chat.postEphemeral")  # the asker sees the placeholder say it
