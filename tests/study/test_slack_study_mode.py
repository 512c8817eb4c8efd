"""Study mode on Slack, end to end: only workspace admins may switch it; in study mode the answer card
hides the answer and its buttons reveal to the clicker alone (ephemeral): hints one step at a time, in
order, the final answer last, per person; the answer; the solution (and the reasoning file, in the
clicker's DM); "Check my answer". Nothing public ever shows the answer, progress included."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bots.slack import study
from mathbot.study import texts
from tests.conftest import DATA_DIR, NO_DATA, settings_env
from tests.fakes.slack import FakeSlack
from tests.slack import flows
from tests.slack.flows import workers
from tests.slack.test_delivery import ask
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

HINT, ANSWER, SOLUTION, CHECK = (study.ACTION_PREFIX + k for k in ("hint", "answer", "solution", "check"))


@pytest.fixture
def env(redis_url: str, sim: ThreadedApp, fake_slack: FakeSlack) -> dict[str, str]:
    return settings_env(redis_url, sim.url, **study_slack_vars(fake_slack))


def aime_2025(problem_id: int) -> dict:
    rows = [json.loads(line) for line in (DATA_DIR / "aime_2025.jsonl").read_text().splitlines()]
    return next(r for r in rows if r["id"] == problem_id)


def shows(answer: str, text: str) -> bool:
    """Whether `text` shows the number `answer` (not as part of another number such as 1,588 tokens)."""
    return re.search(rf"(?<![\d,.]){answer}(?![\d,])", text) is not None


def test_only_admins_switch_study_mode(fake_slack: FakeSlack, slack_app: ThreadedApp) -> None:
    slash(slack_app, fake_slack, "/mathbot", "study on", user=BOB)
    refused = wait_for(lambda: responses(fake_slack), 10, message="the refusal")[0]
    assert refused["response_type"] == "ephemeral" and "admins and owners" in refused["text"]
    fake_slack.admins.add(ADA)
    slash(slack_app, fake_slack, "/mathbot", "study on", user=ADA)
    switched = wait_for(lambda: responses(fake_slack)[1:], 10, message="the switch")[0]
    assert switched["response_type"] == "in_channel" and switched["text"] == texts.STUDY_ON


def test_a_study_mode_answer_reveals_to_the_clicker_only(
    fake_slack: FakeSlack, slack_app: ThreadedApp, env: dict[str, str], tmp_path: Path
) -> None:
    fake_slack.owners.add(ADA)
    slash(slack_app, fake_slack, "/mathbot", "study on", user=ADA)
    wait_for(lambda: responses(fake_slack), 10, message="study mode on")
    problem, thread = aime_2025(2), "1699999999.200000"  # official answer 588
    with workers(env, tmp_path):
        ask(slack_app, problem["problem"], thread)
        placeholder = flows.placeholder(fake_slack, CHANNEL, thread)
        card = wait_for(
            lambda: next(
                (c for c in fake_slack.updates(placeholder) if texts.HIDDEN_TITLE in text_of(c)), None
            ),
            30,
            message="the hidden answer",
        )
    assert set(buttons(card)) == {HINT, ANSWER, SOLUTION, CHECK}
    ref = buttons(card)[HINT]
    everything_public = [text_of(c) for c in fake_slack.calls_to("chat.update", "chat.postMessage")]
    assert not any(shows("588", text) or "Final answer" in text for text in everything_public)
    assert any("tokens" in text for text in everything_public[:-1]), "progress was shown, without words"

    steps = []
    for n in range(1, 10):
        press(slack_app, HINT, ref, BOB, placeholder, thread)
        steps.append(text_of(ephemeral(fake_slack, BOB, n)))
        if texts.NO_MORE_HINTS in steps[-1]:
            break
    total = len(steps) - 2  # the hints, then the final answer's, then "no more"
    assert [texts.hint_title(i, total + 1) in s for i, s in enumerate(steps[:total], 1)] == [True] * total
    assert "Simulated solution" in steps[0] and "Let x be the quantity" in steps[1]  # in the solution's order
    assert texts.final_hint_title(total + 1) in steps[total] and shows("588", steps[total])
    assert not any(shows("588", s) for s in steps[:total])  # the answer only in the last hint

    press(slack_app, HINT, ref, ADA, placeholder, thread)  # Ada's hints are her own
    assert texts.hint_title(1, total + 1) in text_of(ephemeral(fake_slack, ADA, 1))
    press(slack_app, ANSWER, ref, ADA, placeholder, thread)
    assert texts.answer_title("588") in text_of(ephemeral(fake_slack, ADA, 2))
    press(slack_app, SOLUTION, ref, ADA, placeholder, thread)
    solution = ephemeral(fake_slack, ADA, 3)
    assert texts.SOLUTION_TITLE in text_of(solution) and solution.args["thread_ts"] == thread
    upload = wait_for(
        lambda: fake_slack.calls_to("files.completeUploadExternal"), 10, message="the reasoning"
    )
    assert upload[0].args["channel_id"] == "D" + ADA  # to Ada's DM with mathbot, nobody else's

    press(slack_app, CHECK, ref, BOB, placeholder, thread)
    form = opened_view(fake_slack)
    assert form["callback_id"] == study.ANSWER_VIEW
    submit(slack_app, form, BOB, {"answer": "588"})
    assert texts.CORRECT in text_of(ephemeral(fake_slack, BOB, len(steps) + 1))  # against the official answer

    assert all(c.args["user"] in (ADA, BOB) for c in fake_slack.calls_to("chat.postEphemeral"))
    assert not shows("588", fake_slack.public_text(CHANNEL))
