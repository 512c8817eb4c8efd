"""One `mathbot worker` process serves every platform: a Slack mention and a Discord mention, asked at
the same time, are both answered by the same worker, each in its own thread on its own platform."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from rq.job import Job
from rq.registry import FinishedJobRegistry
from rq.serializers import JSONSerializer

from mathbot.settings import Settings
from tests.discord.conftest import discord_env, start_bot, start_fake
from tests.discord.test_discord_flow import answered, assert_safe_and_small
from tests.fakes.slack import FakeSlack
from tests.slack import flows
from tests.slack.conftest import slack_vars
from tests.slack.test_delivery import CHANNEL, ask
from tests.support import processes
from tests.support.data import DATA_DIR, NO_DATA, aime
from tests.support.servers import ThreadedApp
from tests.support.sim import Sim

pytestmark = pytest.mark.skipif(not DATA_DIR.is_dir(), reason=NO_DATA)


def test_one_worker_answers_slack_and_discord(
    redis_url: str, sim: Sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack = FakeSlack()
    slack_server = ThreadedApp(slack.app).start()
    slack.url = slack_server.url
    discord = start_fake()
    env = {**discord_env(redis_url, sim.url, discord.fake), **slack_vars(slack)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    bot = start_bot(env, discord.fake, tmp_path / "discord.log")
    worker = processes.start(["worker"], env, log=tmp_path / "worker.log")
    from bots.slack.app import create_web_app

    slack_app = ThreadedApp(lambda: create_web_app(Settings(_env_file=None))).start()  # type: ignore[call-arg]
    try:
        ts = "1699999999.090000"
        ask(slack_app, aime(1)["problem"], ts)
        asked = discord.run(discord.fake.send_message(aime(2)["problem"], mention_bot=True))
        slack_answer = flows.final(slack, flows.placeholder(slack, CHANNEL, ts), timeout=60)
        discord_answer = answered(discord.fake, asked["id"])[0]
    finally:
        slack_app.stop()
        processes.stop(bot)
        processes.stop(worker)
        slack_server.stop()
        discord.server.stop()
    aime_2 = str(aime(2)["answer"])
    assert flows.headline(slack_answer) == "Final answer: 70"
    assert discord_answer["content"].startswith(f"## Final answer: {aime_2}")
    assert_safe_and_small(discord.fake)
    connection = redis.Redis.from_url(redis_url)
    try:
        ids = FinishedJobRegistry("mathbot", connection=connection, serializer=JSONSerializer).get_job_ids()
        jobs = [Job.fetch(i, connection=connection, serializer=JSONSerializer) for i in ids]
    finally:
        connection.close()
    assert sorted(job.args[0]["target"]["platform"] for job in jobs) == ["discord", "slack"]
    assert len({job.worker_name for job in jobs}) == 1, "both answered by the one worker"
