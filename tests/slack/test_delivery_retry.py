"""A final message the chat refuses once is tried again, not regenerated: the answer exists already."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.slack import FakeSlack
from tests.slack import flows
from tests.slack.flows import workers
from tests.slack.test_delivery import CHANNEL, ask
from tests.support.data import aime
from tests.support.processes import wait_for
from tests.support.servers import ThreadedApp
from tests.support.sim import Sim


def test_a_failed_answer_edit_is_tried_again_without_a_second_generation(
    fake_slack: FakeSlack, slack_app: ThreadedApp, sim: Sim, env: dict[str, str], tmp_path: Path
) -> None:
    sim.faults(tokens_per_second=150)
    ts = "1699999999.080000"
    with workers(env, tmp_path, MATHBOT_PROGRESS_INTERVAL="600"):  # one progress edit, then the answer
        ask(slack_app, aime(1)["problem"], ts)
        placeholder = flows.placeholder(fake_slack, CHANNEL, ts)
        wait_for(lambda: fake_slack.updates(placeholder), 10, message="the first progress edit")
        fake_slack.errors["chat.update"] = "internal_error"  # the next edit, the answer's, fails once
        answer = flows.final(fake_slack, placeholder, timeout=40)
    assert flows.headline(answer) == "Final answer: 70"
    finals = [c for c in fake_slack.updates(placeholder) if flows.is_final(c)]
    assert [c.response.get("error") for c in finals] == ["internal_error", None]
    assert finals[1].at - finals[0].at >= 1.5  # it waited before trying again
    stats = sim.stats()
    assert stats["generations_started"] == 1, "the answer was not generated again"
