"""What the study features cost, counted on the fakes: chat API calls per /check and per practice problem,
and generations (the simulator's count). Exact counts: a change that adds calls has to say so here.

Slack, one /check: views.open (the form), chat.postEphemeral (the verdict); one more ephemeral ("Checking…")
when a worker must solve the problem, which costs MATHBOT_VOTE_SAMPLES generations; users.info once per
person per adapter process (display names are cached). Discord, one /check: the deferred ephemeral
response, and its edit with the verdict (a worker edits it once more)."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import httpx
import pytest

from bots.slack import study
from mathbot import prompt
from mathbot.sim.script import hashed_answer
from tests.conftest import DATA_DIR, NO_DATA, settings_env
from tests.discord.conftest import FakeServer, discord_env
from tests.fakes.discord import ALICE, BOB
from tests.fakes.slack import FakeSlack
from tests.slack.flows import workers
from tests.study.conftest import STUDY_VARS, study_slack_vars
from tests.study.discord_flows import buttons as discord_buttons
from tests.study.discord_flows import seen
from tests.study.slack_flows import (
    ADA,
    CHANNEL,
    buttons,
    ephemeral,
    opened_view,
    press,
    slash,
    submit,
)
from tests.study.slack_flows import (
    BOB as SLACK_BOB,
)
from tests.support.processes import wait_for
from tests.support.servers import ThreadedApp

pytestmark = pytest.mark.skipif(not DATA_DIR.is_dir(), reason=NO_DATA)

OWN_PROBLEM = (
    "A study group of $n$ friends shares $n^2 + 3n$ pencils equally among $n + 3$ boxes. "
    "How many pencils are in each box when $n = 12$?"
)


def aime_2025(problem_id: int) -> dict:
    rows = [json.loads(line) for line in (DATA_DIR / "aime_2025.jsonl").read_text().splitlines()]
    return next(r for r in rows if r["id"] == problem_id)


def generations(sim: ThreadedApp) -> int:
    return int(httpx.get(sim.url + "/_sim/stats").json()["generations_started"])


def slack_calls(fake: FakeSlack, since: int = 0) -> Counter[str]:
    return Counter(c.method for c in fake.calls[since:] if c.method not in ("auth.test", "response_url"))


def discord_calls(served: FakeServer, since: int = 0) -> Counter[str]:
    def route(path: str) -> str:
        return re.sub(r"\d{6,}|itoken-\d+", "{id}", path)

    return Counter(
        f"{c.method} {route(c.path)}" for c in served.fake.calls[since:] if "/commands" not in c.path
    )


class TestSlack:
    @pytest.fixture
    def env(self, redis_url: str, sim: ThreadedApp, fake_slack: FakeSlack) -> dict[str, str]:
        return settings_env(redis_url, sim.url, **study_slack_vars(fake_slack), MATHBOT_SUBMIT_COOLDOWN="0")

    def test_check_and_practice_costs(
        self,
        fake_slack: FakeSlack,
        slack_app: ThreadedApp,
        sim: ThreadedApp,
        env: dict[str, str],
        tmp_path: Path,
    ) -> None:
        slash(slack_app, fake_slack, "/check", "")  # warms the name cache (users.info) for Ada
        submit(slack_app, opened_view(fake_slack), ADA, {"problem": aime_2025(1)["problem"], "answer": "70"})
        ephemeral(fake_slack, ADA, 1)
        start = len(fake_slack.calls)
        slash(slack_app, fake_slack, "/check", "")
        submit(
            slack_app, opened_view(fake_slack, 2), ADA, {"problem": aime_2025(1)["problem"], "answer": "71"}
        )
        ephemeral(fake_slack, ADA, 2)
        bank_check = slack_calls(fake_slack, start)
        assert bank_check == Counter({"views.open": 1, "chat.postEphemeral": 1}) and generations(sim) == 0

        with workers(env, tmp_path):
            start = len(fake_slack.calls)
            slash(slack_app, fake_slack, "/check", "")
            submit(slack_app, opened_view(fake_slack, 3), ADA, {"problem": OWN_PROBLEM, "answer": "3"})
            ephemeral(fake_slack, ADA, 4)
            vote_check = slack_calls(fake_slack, start)
            assert vote_check == Counter({"views.open": 1, "chat.postEphemeral": 2}) and generations(sim) == 5

            start = len(fake_slack.calls)
            slash(slack_app, fake_slack, "/practice", "aime_2025")
            root = wait_for(lambda: fake_slack.roots(CHANNEL), 10, message="the post")[0]
            ts, ref = root.response["ts"], buttons(root)[study.ACTION_PREFIX + "submit"]
            for n, (user, given) in enumerate(((SLACK_BOB, "1"), (ADA, "70"), (SLACK_BOB, "70")), start=4):
                press(slack_app, study.ACTION_PREFIX + "submit", ref, user, ts)
                submit(
                    slack_app,
                    opened_view(fake_slack, n),
                    user,
                    {"answer": "0"} if given == "1" else {"answer": _answer(ref)},
                )
            wait_for(lambda: len(fake_slack.posted(CHANNEL, ts)) == 2, 10, message="two solves")
            wait_for(lambda: generations(sim) == 6, 20, message="the worked solution")
        practice = slack_calls(fake_slack, start)
        print("\nSlack API calls: /check (bank)", dict(bank_check), "| /check (vote)", dict(vote_check))
        print(
            "Slack API calls: a practice problem, three submissions (two solves), before the reveal",
            dict(practice),
        )
        assert practice == Counter(
            {"chat.postMessage": 3, "views.open": 3, "chat.postEphemeral": 3, "users.info": 1}
        )  # the post, two solve lines; a form and a verdict per submission; Bob's name once


def _answer(ref: str) -> str:
    """The official answer of practice problem `ref` (read from Redis by the test)."""
    import redis

    from mathbot.study import practice
    from tests.conftest import TEST_REDIS_URL

    found = practice.load(redis.Redis.from_url(TEST_REDIS_URL), ref)
    assert found is not None
    return found.answer


class TestDiscord:
    @pytest.fixture
    def env(self, redis_url: str, sim: ThreadedApp, discord_fake: FakeServer) -> dict[str, str]:
        return discord_env(redis_url, sim.url, discord_fake.fake, **STUDY_VARS, MATHBOT_SUBMIT_COOLDOWN="0")

    def test_check_and_practice_costs(
        self,
        bot: subprocess.Popen[bytes],
        discord_fake: FakeServer,
        sim: ThreadedApp,
        env: dict[str, str],
        tmp_path: Path,
    ) -> None:
        fake = discord_fake.fake
        start = len(fake.calls)
        discord_fake.run(fake.command("check", {"answer": "71", "problem": aime_2025(1)["problem"]}))
        seen(discord_fake, ALICE, 1, contains="Not the official")
        bank_check = discord_calls(discord_fake, start)
        assert sum(bank_check.values()) == 2 and generations(sim) == 0  # the deferred response, its edit

        right = hashed_answer(f"{OWN_PROBLEM}\n\n{prompt.INSTRUCTION}")
        with workers(env, tmp_path):
            start = len(fake.calls)
            discord_fake.run(fake.command("check", {"answer": right, "problem": OWN_PROBLEM}))
            seen(discord_fake, ALICE, 2, contains="Correct")
            vote_check = discord_calls(discord_fake, start)
            assert sum(vote_check.values()) == 3 and generations(sim) == 5  # + the worker's edit

            start = len(fake.calls)
            discord_fake.run(fake.command("practice", {"set": "aime_2025"}))
            post = wait_for(
                lambda: next((m for m in fake.public() if "Practice" in m["content"]), None), 10, message="it"
            )
            ref = discord_buttons(post)["submit"].rsplit(":", 1)[1]
            for n, (user, right_answer) in enumerate(((BOB, False), (ALICE, True), (BOB, True)), start=1):
                discord_fake.run(fake.click(post["id"], discord_buttons(post)["submit"], author=user))
                form = wait_for(
                    lambda n=n: fake.modals[n - 1] if len(fake.modals) >= n else None, 10, message="form"
                )
                discord_fake.run(
                    fake.submit_modal(form, {"answer": _answer(ref) if right_answer else "0"}, author=user)
                )
            wait_for(
                lambda: len([m for m in fake.public() if "solved it" in m["content"]]) == 2,
                10,
                message="solves",
            )
            wait_for(lambda: generations(sim) == 6, 20, message="the worked solution")
        practice = discord_calls(discord_fake, start)
        print("\nDiscord API calls: /check (bank)", dict(bank_check), "| /check (vote)", dict(vote_check))
        print(
            "Discord API calls: a practice problem, three submissions (two solves), before the reveal",
            dict(practice),
        )
        assert (
            sum(practice.values()) == 2 + 3 * 3 + 2
        )  # post + thread; modal, defer, edit each; two solve lines
