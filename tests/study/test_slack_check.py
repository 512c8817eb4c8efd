"""`/check` on Slack through the real adapter, the fake Slack and (for problems outside the bank) a worker
and the simulator: a form, a private verdict (ephemeral: only the asker sees it), buttons that reveal to
the asker alone, and nothing public at all."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from bots.slack import study
from mathbot import messages, prompt
from mathbot.settings import Settings
from mathbot.sim.script import hashed_answer
from mathbot.study import texts
from tests.conftest import DATA_DIR, NO_DATA, settings_env
from tests.fakes.slack import FakeSlack
from tests.slack.flows import workers
from tests.study.conftest import study_slack_vars
from tests.study.slack_flows import (
    ADA,
    BOB,
    CHANNEL,
    buttons,
    ephemeral,
    opened_view,
    press,
    slash,
    submit,
    text_of,
)
from tests.support.servers import ThreadedApp

pytestmark = pytest.mark.skipif(not DATA_DIR.is_dir(), reason=NO_DATA)

OWN_PROBLEM = (
    "A study group of $n$ friends shares $n^2 + 3n$ pencils equally among $n + 3$ boxes. "
    "How many pencils are in each box when $n = 12$?"
)


ALL_AGREE = r"All [3-5] samples agree"  # a vote decided early stops the samples that cannot change it


@pytest.fixture
def env(redis_url: str, sim: ThreadedApp, fake_slack: FakeSlack) -> dict[str, str]:
    return settings_env(redis_url, sim.url, **study_slack_vars(fake_slack))


def problem(set_name: str, problem_id: int) -> dict:
    rows = [json.loads(line) for line in (DATA_DIR / f"{set_name}.jsonl").read_text().splitlines()]
    return next(r for r in rows if r["id"] == problem_id)


def generations(sim: ThreadedApp) -> int:
    return int(httpx.get(sim.url + "/_sim/stats").json()["generations_started"])


def test_check_against_the_official_answer_is_private_and_generates_nothing(
    fake_slack: FakeSlack, slack_app: ThreadedApp, sim: ThreadedApp
) -> None:
    aya = problem("aime_2024", 60)  # official answer 204, with a worked solution
    slash(slack_app, fake_slack, "/check", aya["problem"])
    form = opened_view(fake_slack)
    assert form["callback_id"] == study.CHECK_VIEW
    assert form["blocks"][0]["element"]["initial_value"] == aya["problem"]  # what followed /check

    assert submit(slack_app, form, ADA, {"problem": aya["problem"], "answer": "240"}) == {}  # the form closes
    verdict = ephemeral(fake_slack, ADA, 1)
    assert verdict.args["channel"] == CHANNEL and verdict.args["user"] == ADA
    shown = text_of(verdict)
    assert texts.WRONG_OFFICIAL in shown and "AIME 2024 #60" in shown and "204" not in shown
    reveal = buttons(verdict)
    assert set(reveal) == {study.ACTION_PREFIX + "answer", study.ACTION_PREFIX + "solution"}
    ref = reveal[study.ACTION_PREFIX + "answer"]

    press(slack_app, study.ACTION_PREFIX + "answer", ref, BOB, "1700000000.000009", ephemeral=True)
    assert texts.REVEAL_ONLY_OWNER in text_of(ephemeral(fake_slack, BOB, 1))  # a forged click reveals nothing
    press(slack_app, study.ACTION_PREFIX + "answer", ref, ADA, "1700000000.000009", ephemeral=True)
    assert texts.answer_title("204") in text_of(ephemeral(fake_slack, ADA, 2))
    press(slack_app, study.ACTION_PREFIX + "solution", ref, ADA, "1700000000.000009", ephemeral=True)
    assert texts.SOLUTION_TITLE in text_of(ephemeral(fake_slack, ADA, 3))  # the official solution

    slash(slack_app, fake_slack, "/check", "")
    submit(slack_app, opened_view(fake_slack, 2), ADA, {"problem": aya["problem"], "answer": "204"})
    assert texts.CORRECT in text_of(ephemeral(fake_slack, ADA, 4))
    assert fake_slack.calls_to("chat.postMessage") == [] and fake_slack.public_text(CHANNEL) == "[]"
    assert generations(sim) == 0


def test_check_against_mathbot_five_samples_right_wrong_unsure(
    fake_slack: FakeSlack, slack_app: ThreadedApp, sim: ThreadedApp, env: dict[str, str], tmp_path: Path
) -> None:
    right = hashed_answer(f"{OWN_PROBLEM}\n\n{prompt.INSTRUCTION}")
    with workers(env, tmp_path):
        slash(slack_app, fake_slack, "/check", OWN_PROBLEM)
        submit(slack_app, opened_view(fake_slack), ADA, {"problem": OWN_PROBLEM, "answer": right})
        assert texts.CHECKING in text_of(ephemeral(fake_slack, ADA, 1))
        verdict = text_of(ephemeral(fake_slack, ADA, 2))
        assert texts.CORRECT in verdict and re.search(ALL_AGREE, verdict)

        slash(slack_app, fake_slack, "/check", OWN_PROBLEM, user=BOB)
        submit(slack_app, opened_view(fake_slack, 2), BOB, {"problem": OWN_PROBLEM, "answer": "1"})
        verdict = text_of(ephemeral(fake_slack, BOB, 2))
        assert texts.WRONG_VOTE in verdict and texts.vote_matches(0, 5) in verdict and right not in verdict

        httpx.post(sim.url + "/_sim/faults", json={"accuracy": 0.0}).raise_for_status()
        slash(slack_app, fake_slack, "/check", OWN_PROBLEM)
        submit(slack_app, opened_view(fake_slack, 3), ADA, {"problem": OWN_PROBLEM, "answer": right})
        unsure = ephemeral(fake_slack, ADA, 4)
        assert texts.UNSURE in text_of(unsure)
        press(
            slack_app,
            study.ACTION_PREFIX + "answer",
            buttons(unsure)[study.ACTION_PREFIX + "answer"],
            ADA,
            "1",
        )
        assert texts.answer_title("") in text_of(ephemeral(fake_slack, ADA, 5))  # mathbot's (unsure) answer
    assert generations(sim) == 15
    assert fake_slack.calls_to("chat.postMessage", "chat.update") == []  # nothing public, no progress
    assert all(c.args["user"] in (ADA, BOB) for c in fake_slack.calls_to("chat.postEphemeral"))


def test_check_samples_count_against_the_hourly_limit(
    fake_slack: FakeSlack, settings: Settings, env: dict[str, str], tmp_path: Path
) -> None:
    from bots.slack.app import create_web_app

    limited = settings.model_copy(update={"user_per_hour": 7})  # five samples fit, ten do not
    with workers({**env, "MATHBOT_USER_PER_HOUR": "7"}, tmp_path):
        app = ThreadedApp(lambda: create_web_app(limited)).start()
        try:
            slash(app, fake_slack, "/check", OWN_PROBLEM)
            submit(app, opened_view(fake_slack), ADA, {"problem": OWN_PROBLEM, "answer": "3"})
            assert texts.CHECKING in text_of(ephemeral(fake_slack, ADA, 1))
            slash(app, fake_slack, "/check", OWN_PROBLEM)
            submit(app, opened_view(fake_slack, 2), ADA, {"problem": OWN_PROBLEM, "answer": "4"})
            refused = text_of(ephemeral(fake_slack, ADA, 2))
        finally:
            app.stop()
    assert messages.too_many_per_hour("user", 7) in refused
