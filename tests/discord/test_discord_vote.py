"""Majority voting on Discord: "Check with 5 samples" on an answer, and `/solve … samples:N`.

`mathbot discord` on the fake Discord, a real `mathbot worker` with a fixed base seed, and the TGI
simulator wrong half of the time: with seeds 121-125 it boxes 105, 70, 81, 70, 70 for AIME 2025 #1
(official answer 70), so the one-sample answer is wrong and the majority of five is right. The worker
draws every sample (MATHBOT_VOTE_EARLY_STOP off), so the card shows the whole vote whatever the timing.
"""

from __future__ import annotations

import copy
import subprocess
from typing import Any

import pytest

from bots.discord import layout, texts
from tests.discord.conftest import FakeServer, discord_env
from tests.discord.test_discord_cancel import assert_answered_in_time, edits_of
from tests.discord.test_discord_flow import ANSWER_TIMEOUT, assert_safe_and_small
from tests.fakes.discord import BOB, FakeDiscord
from tests.support import processes
from tests.support.data import aime
from tests.support.sim import Sim
from tests.support.waiting import assert_quiet

SEED = "121"


@pytest.fixture
def env(redis_url: str, sim: Sim, discord_fake: FakeServer) -> dict[str, str]:
    sim.faults(accuracy=0.5)
    return discord_env(
        redis_url, sim.url, discord_fake.fake, MATHBOT_SEED=SEED, MATHBOT_VOTE_EARLY_STOP="false"
    )


def button_ids(message: dict[str, Any]) -> list[str]:
    return [c.get("custom_id") for row in message["components"] for c in row["components"]]


def button_labels(message: dict[str, Any]) -> list[str]:
    return [c.get("label") for row in message["components"] for c in row["components"]]


def final_answer(fake: FakeDiscord, channel: int | str, after: int = 0) -> dict[str, Any]:
    """The first bot message in `channel`, newer than message id `after`, that shows a final answer."""

    def ready() -> dict[str, Any] | None:
        done = [
            m
            for m in fake.bot_messages(channel)
            if int(m["id"]) > after and m["content"].startswith("## Final answer")
        ]
        return done[0] if done else None

    return processes.wait_for(ready, timeout=ANSWER_TIMEOUT, message=f"an answer in {channel}")


def test_check_with_five_samples_replaces_a_wrong_answer_with_the_majority(
    bot: subprocess.Popen[bytes],
    worker: subprocess.Popen[bytes],
    discord_fake: FakeServer,
    sim: Sim,
) -> None:
    fake = discord_fake.fake
    asked = discord_fake.run(fake.send_message(aime(1)["problem"], mention_bot=True))
    thread = asked["id"]
    first = final_answer(fake, thread)
    assert first["content"].startswith("## Final answer: 105")  # one sample, and it is wrong
    assert button_ids(first) == [layout.VOTE_ID]
    assert button_labels(first) == ["Check with 5 samples"]
    with_button = copy.deepcopy(first)  # as a client that has not seen the button go would show it

    # Bob may not spend Alice's samples: told privately, nothing asked
    click = discord_fake.run(fake.click(first["id"], layout.VOTE_ID, author=BOB))
    assert_answered_in_time(fake, click)
    processes.wait_for(lambda: fake.followups, timeout=10, message="the reply to Bob")
    assert fake.followups[0]["content"] == texts.VOTE_REFUSED["not_yours"]
    assert fake.followups[0]["flags"] & 64

    click = discord_fake.run(fake.click(first["id"], layout.VOTE_ID))
    assert_answered_in_time(fake, click)
    checked = final_answer(fake, thread, after=int(first["id"]))
    assert checked["content"].startswith("## Final answer: 70")
    assert "3 of 5 samples agree; other answers: 81 (1), 105 (1)." in checked["content"]
    assert "tokens in 5 samples" in "".join(m["content"] for m in fake.bot_messages(thread))
    assert checked["message_reference"]["message_id"] == first["id"], "it says what it checks"
    assert button_ids(checked) == [], "a majority answer offers no second check"
    assert fake.messages[int(first["id"])]["components"] == [], "the clicked button is gone"
    progress = [str((c.json or {}).get("content")) for c in edits_of(fake, checked["id"])]
    assert any("Samples: 5 of 5 done" in text for text in progress), progress
    assert sim.stats()["generations_started"] == 1 + 5

    # a second click on a stale copy of the button asks nothing again
    discord_fake.run(fake.click(first["id"], layout.VOTE_ID, seen=with_button))
    processes.wait_for(lambda: len(fake.followups) >= 2, timeout=10, message="the reply to the 2nd click")
    assert fake.followups[1]["content"] == texts.VOTE_REFUSED["already"]
    assert_quiet(lambda: sim.stats()["generations_started"], 1.0, "no generation for a stale click")
    assert sim.stats()["generations_started"] == 6
    assert_safe_and_small(fake)


def test_slash_solve_with_samples_answers_with_the_vote(
    bot: subprocess.Popen[bytes],
    worker: subprocess.Popen[bytes],
    discord_fake: FakeServer,
    sim: Sim,
) -> None:
    fake = discord_fake.fake
    registered = fake.commands["global"][0]
    samples = next(o for o in registered["options"] if o["name"] == "samples")
    assert (samples["type"], samples["min_value"], samples["max_value"]) == (4, 1, 8)
    assert not samples.get("required")

    interaction = discord_fake.run(fake.slash("solve", {"problem": aime(1)["problem"], "samples": 5}))
    iid = int(interaction["id"])
    processes.wait_for(lambda: iid in fake.answered_interactions, timeout=3, message="the response")
    post = interaction["response_message_id"]
    answer = final_answer(fake, post)
    assert answer["content"].startswith("## Final answer: 70")
    assert "3 of 5 samples agree" in answer["content"]
    assert sim.stats()["generations_started"] == 5
    assert_safe_and_small(fake)
