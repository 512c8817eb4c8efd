"""Practice problems on Slack, end to end with a worker (scheduler on) and the simulator: /practice posts a
problem of the bank as a root message; answers are submitted privately through a form and graded at once;
the thread names the solvers in order and never the answer; a wrong try waits out the cool-down; giving
up reveals privately and stops a later answer counting; the deadline reveals the answer and mathbot's
worked solution (generated when the problem was posted) in the thread; the leaderboard counts it."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
import pytest

from bots.slack import study
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
    responses,
    slash,
    submit,
    text_of,
)
from tests.support.processes import wait_for
from tests.support.servers import ThreadedApp

pytestmark = pytest.mark.skipif(not DATA_DIR.is_dir(), reason=NO_DATA)

SUBMIT, HINT, GIVEUP = (study.ACTION_PREFIX + k for k in ("submit", "hint", "giveup"))
DEADLINE = 15


@pytest.fixture
def env(redis_url: str, sim: ThreadedApp, fake_slack: FakeSlack) -> dict[str, str]:
    return settings_env(
        redis_url,
        sim.url,
        **study_slack_vars(fake_slack),
        MATHBOT_PRACTICE_DEADLINE=str(DEADLINE),
        MATHBOT_SUBMIT_COOLDOWN="2",
    )


def official(key: str) -> str:
    set_name, _, problem_id = key.partition("#")
    rows = [json.loads(line) for line in (DATA_DIR / f"{set_name}.jsonl").read_text().splitlines()]
    return str(next(r for r in rows if str(r["id"]) == problem_id)["answer"])


def shows(answer: str, text: str) -> bool:
    return re.search(rf"(?<![\d,.]){re.escape(answer)}(?![\d,])", text) is not None


def test_a_practice_problem_from_post_to_reveal(
    fake_slack: FakeSlack,
    slack_app: ThreadedApp,
    sim: ThreadedApp,
    env: dict[str, str],
    tmp_path: Path,
    redis_conn,
) -> None:
    with workers(env, tmp_path):
        slash(slack_app, fake_slack, "/practice", "aime_2025")
        root = wait_for(lambda: fake_slack.roots(CHANNEL), 10, message="the practice problem")[0]
        ts, ref = root.response["ts"], buttons(root)[SUBMIT]
        assert set(buttons(root)) == {SUBMIT, HINT, GIVEUP} and "AIME 2025 #" in text_of(root)
        from mathbot.study import practice

        posted = practice.load(redis_conn, ref)
        assert posted is not None and posted.thread == ts
        answer = official(posted.key)
        wait_for(lambda: practice.load(redis_conn, ref).solution, 20, message="mathbot's worked solution")  # type: ignore[union-attr]

        press(slack_app, HINT, ref, BOB, ts)  # a hint: a step of mathbot's solution, never the answer
        hint = text_of(ephemeral(fake_slack, BOB, 1))
        assert "Hint 1 of" in hint and "Simulated solution" in hint and not shows(answer, hint)

        press(slack_app, SUBMIT, ref, BOB, ts)  # Bob: a wrong answer
        submit(slack_app, opened_view(fake_slack), BOB, {"answer": str(int(answer) + 1)})
        assert texts.submitted_wrong(2) in text_of(ephemeral(fake_slack, BOB, 2))
        press(slack_app, SUBMIT, ref, BOB, ts)
        submit(slack_app, opened_view(fake_slack, 2), BOB, {"answer": answer})
        assert "wait" in text_of(ephemeral(fake_slack, BOB, 3))  # one try per cool-down, even a right one

        press(slack_app, SUBMIT, ref, ADA, ts)  # Ada: right, first
        submit(slack_app, opened_view(fake_slack, 3), ADA, {"answer": answer})
        assert texts.submitted_correct(1, 0).split(" (")[0] in text_of(ephemeral(fake_slack, ADA, 1))
        solved = wait_for(lambda: fake_slack.posted(CHANNEL, ts), 10, message="the thread's line")
        assert solved[0].args["text"].startswith("✅ Ada solved it — 1st, ")

        press(slack_app, GIVEUP, ref, BOB, ts)  # Bob gives up: the answer, to him alone
        gave_up = text_of(ephemeral(fake_slack, BOB, 4))
        assert shows(answer, gave_up) and texts.gave_up_note(False) in gave_up
        time.sleep(2.1)  # the cool-down
        press(slack_app, SUBMIT, ref, BOB, ts)
        submit(slack_app, opened_view(fake_slack, 4), BOB, {"answer": answer})
        assert texts.SUBMITTED_AFTER_GIVING_UP in text_of(ephemeral(fake_slack, BOB, 5))

        before_reveal = fake_slack.public_text(CHANNEL)
        assert not shows(answer, before_reveal.replace(root.args["text"], ""))  # nothing but the problem
        assert [c.args["text"] for c in fake_slack.posted(CHANNEL, ts)] == [solved[0].args["text"]]

        reveal = wait_for(
            lambda: [c for c in fake_slack.posted(CHANNEL, ts) if texts.reveal_title("") in text_of(c)],
            DEADLINE + 30,
            message="the reveal at the deadline",
        )[0]
    shown = text_of(reveal)
    assert texts.reveal_title(answer) in shown and "Solved by 1: Ada (1st" in shown
    assert texts.MATHBOT_SOLUTION in shown and "Simulated solution" in shown
    assert int(httpx.get(sim.url + "/_sim/stats").json()["generations_started"]) == 1  # the worked solution

    slash(slack_app, fake_slack, "/leaderboard", "all")
    board = wait_for(lambda: responses(fake_slack), 10, message="the leaderboard")[0]
    assert board["response_type"] == "in_channel"
    assert texts.board_row(1, "Ada", 1, 1, 1) in json.dumps(board, ensure_ascii=False)
    assert "Bob" not in json.dumps(board)
