"""The problem of the day: configured by an admin's command, scheduled with RQ's `enqueue_at`, posted by
the workers' scheduler exactly once per slot: with two workers (one scheduler holds the queue's lock), a
worker restarted before the slot is due, the slot scheduled twice and its job run again."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer

from mathbot import queue
from mathbot.settings import Settings
from mathbot.study import daily, texts
from tests.conftest import DATA_DIR, NO_DATA, settings_env
from tests.fakes.slack import FakeSlack
from tests.study.conftest import study_slack_vars
from tests.study.slack_flows import ADA, BOB, CHANNEL, buttons, responses, slash, text_of
from tests.support import processes
from tests.support.processes import wait_for
from tests.support.servers import ThreadedApp

pytestmark = pytest.mark.skipif(not DATA_DIR.is_dir(), reason=NO_DATA)


@pytest.fixture
def env(redis_url: str, sim: ThreadedApp, fake_slack: FakeSlack) -> dict[str, str]:
    return settings_env(redis_url, sim.url, **study_slack_vars(fake_slack))


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return processes.start(["worker"], env, log=log)


def test_daily_settings_by_command(
    fake_slack: FakeSlack, slack_app: ThreadedApp, settings: Settings, redis_conn: redis.Redis
) -> None:
    slash(slack_app, fake_slack, "/mathbot", "daily on 18:30 Europe/Paris aime_2025", user=BOB)
    assert "admins and owners" in wait_for(lambda: responses(fake_slack), 10, message="refusal")[0]["text"]
    fake_slack.admins.add(ADA)
    for text, count in (
        ("daily on 25:00 UTC", 2),
        ("daily on 18:30 Mars/Olympus", 3),
        ("daily on 18:30 UTC nope", 4),
    ):
        slash(slack_app, fake_slack, "/mathbot", text)
        wait_for(lambda c=count: len(responses(fake_slack)) >= c, 10, message=text)
    refusals = [r["text"] for r in responses(fake_slack)[1:4]]
    assert refusals[0] == texts.DAILY_BAD_TIME and "Mars/Olympus" in refusals[1] and "nope" in refusals[2]

    slash(slack_app, fake_slack, "/mathbot", "daily on 18:30 Europe/Paris aime_2025")
    said = wait_for(lambda: responses(fake_slack)[4:], 10, message="daily on")[0]
    assert (
        said["response_type"] == "in_channel"
        and "every day at 18:30 (Europe/Paris) from AIME 2025" in said["text"]
    )
    setting = daily.load(redis_conn, "slack", CHANNEL)
    assert setting is not None and (setting.hour, setting.minute, setting.set_name) == (18, 30, "aime_2025")
    slot = daily.next_slot(setting, datetime.now(UTC))
    scheduled = ScheduledJobRegistry(queue=queue.question_queue(settings, redis_conn)).get_job_ids()
    assert scheduled == [daily.job_id(setting, slot)]

    slash(slack_app, fake_slack, "/mathbot", "daily off")
    assert wait_for(lambda: responses(fake_slack)[5:], 10, message="daily off")[0]["text"] == texts.DAILY_OFF
    assert daily.load(redis_conn, "slack", CHANNEL) is None


def test_the_daily_post_fires_once_across_two_workers_and_a_restart(
    fake_slack: FakeSlack, settings: Settings, redis_conn: redis.Redis, env: dict[str, str], tmp_path: Path
) -> None:
    setting, _ = daily.configure(
        redis_conn,
        settings,
        daily.Daily(
            platform="slack",
            channel=CHANNEL,
            team="T0TEST01",
            hour=0,
            minute=0,
            zone="UTC",
            set_name="aime_2025",
        ),
    )
    soon = datetime.now(UTC) + timedelta(seconds=10)
    slot = daily.Slot(soon.date(), soon)  # the slot of today, due in a few seconds
    daily.schedule(redis_conn, settings, setting, slot)
    daily.schedule(redis_conn, settings, setting, slot)  # scheduled twice: the same job
    started = [start_worker(env, tmp_path / f"worker{n}.log") for n in range(2)]
    try:
        # a running scheduler (its process registered): the restart below is of a worker at work
        wait_for(
            lambda: [k for k in redis_conn.keys("rq:scheduler:*") if b"lock" not in k],
            20,
            message="a scheduler",
        )
        processes.stop(started[0])  # a restart before the slot is due (it may hold the scheduler's lock)
        started.append(start_worker(env, tmp_path / "worker2.log"))
        root = wait_for(lambda: fake_slack.roots(CHANNEL), 40, message="the problem of the day")
        assert texts.practice_title("AIME 2025", None, daily=True).split(" · ")[0] in text_of(root[0])
        assert len(buttons(root[0])) == 3

        again = queue.question_queue(settings, redis_conn).enqueue(  # the slot's job run once more
            queue.DAILY_FUNC, "slack", CHANNEL, slot.day.isoformat(), setting.version
        )
        wait_for(lambda: again.get_status(refresh=True) == JobStatus.FINISHED, 20, message="the second run")
        assert again.return_value() == {"status": "nothing to post"}
    finally:
        for process in started:
            processes.stop(process)
    assert len(fake_slack.roots(CHANNEL)) == 1
    next_id = daily.job_id(setting, daily.next_slot(setting, slot.at))
    assert next_id in ScheduledJobRegistry(queue=queue.question_queue(settings, redis_conn)).get_job_ids()
    assert Job.fetch(next_id, connection=redis_conn, serializer=JSONSerializer).args[2] > slot.day.isoformat()
