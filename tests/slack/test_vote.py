""" "Check with 5 samples" on Slack, end to end: a signed click on a one-sample answer asks the question
again with five samples at once, and the thread gets the majority's answer with how the vote went.

The simulator is wrong half of the time and the worker's base seed is fixed: with seeds 121-125 it
boxes 105, 70, 81, 70, 70 for AIME 2025 #1 (official answer 70), so the one-sample answer is wrong and
the majority of five is right. The worker draws every sample (MATHBOT_VOTE_EARLY_STOP off), so the card
shows the whole vote whatever the timing.
"""

from __future__ import annotations

from pathlib import Path

from bots.slack import blocks, texts
from mathbot import present
from tests.fakes.slack import FakeSlack
from tests.slack import flows
from tests.slack.flows import workers
from tests.slack.test_delivery import CHANNEL, ask, click
from tests.support.data import aime
from tests.support.processes import wait_for
from tests.support.servers import ThreadedApp
from tests.support.sim import Sim


def buttons(call) -> list[str]:  # type: ignore[no-untyped-def]
    rows = [b for b in call.args["blocks"] if b["type"] == "actions"]
    return [e["action_id"] for row in rows for e in row["elements"]]


def test_check_with_five_samples_answers_with_the_majority(
    fake_slack: FakeSlack, slack_app: ThreadedApp, sim: Sim, env: dict[str, str], tmp_path: Path
) -> None:
    sim.faults(accuracy=0.5, tokens_per_second=400)
    ts = "1699999999.070000"
    with workers(
        env,
        tmp_path,
        MATHBOT_SEED="121",
        MATHBOT_VOTE_EARLY_STOP="false",
        MATHBOT_PROGRESS_INTERVAL="0.2",
        MATHBOT_SLACK_EDITS_PER_MINUTE="600",
    ):
        ask(slack_app, aime(1)["problem"], ts)
        first = flows.placeholder(fake_slack, CHANNEL, ts)
        wrong = flows.final(fake_slack, first)
        assert flows.headline(wrong) == "Final answer: 105"
        assert buttons(wrong) == [blocks.REASONING_ACTION, blocks.VOTE_ACTION]
        labels = [
            e["text"]["text"] for b in wrong.args["blocks"] if b["type"] == "actions" for e in b["elements"]
        ]
        assert present.vote_label(5) in labels

        click(slack_app, blocks.VOTE_ACTION, CHANNEL, first, ts)
        click(slack_app, blocks.VOTE_ACTION, CHANNEL, first, ts)  # a double click checks once
        second = wait_for(
            lambda: [c.response["ts"] for c in fake_slack.posted(CHANNEL, ts) if c.response["ts"] != first],
            10,
            message="the check's placeholder",
        )[0]
        checked = flows.final(fake_slack, second, timeout=60)
    assert flows.headline(checked) == "Final answer: 70"
    shown = flows.all_text(checked)
    assert "3 of 5 samples agree; other answers: 81 (1), 105 (1)." in shown
    assert "tokens in 5 samples" in shown
    assert buttons(checked) == [blocks.REASONING_ACTION], "a majority answer offers no second check"
    progress = [c.args["text"] for c in fake_slack.updates(second) if not flows.is_final(c)]
    assert any("Samples:" in text for text in progress), progress
    ephemeral = wait_for(lambda: fake_slack.calls_to("chat.postEphemeral"), 5, message="the double click")
    assert ephemeral[0].args["text"] == texts.VOTE_ALREADY
    stats = sim.stats()
    assert stats["generations_started"] == 1 + 5
