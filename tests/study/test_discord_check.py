"""`/check` on Discord through `mathbot discord` on the fake Discord: the verdict is an ephemeral response
(flags 64: only the asker sees it), at once for a bank problem, from a worker after five samples for any
other (the worker edits the same ephemeral response); reveals are the asker's alone; nothing is public."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import httpx
import pytest

from mathbot import prompt
from mathbot.sim.script import hashed_answer
from mathbot.study import texts
from tests.conftest import DATA_DIR, NO_DATA
from tests.discord.conftest import FakeServer, discord_env
from tests.fakes.discord import ALICE, BOB
from tests.slack.flows import workers
from tests.study.conftest import STUDY_VARS
from tests.study.discord_flows import buttons, public_text, seen
from tests.support.servers import ThreadedApp

pytestmark = pytest.mark.skipif(not DATA_DIR.is_dir(), reason=NO_DATA)

OWN_PROBLEM = (
    "A study group of $n$ friends shares $n^2 + 3n$ pencils equally among $n + 3$ boxes. "
    "How many pencils are in each box when $n = 12$?"
)


ALL_AGREE = r"All [3-5] samples agree"  # a vote decided early stops the samples that cannot change it


@pytest.fixture
def env(redis_url: str, sim: ThreadedApp, discord_fake: FakeServer) -> dict[str, str]:
    return discord_env(redis_url, sim.url, discord_fake.fake, **STUDY_VARS)


def problem(set_name: str, problem_id: int) -> dict:
    rows = [json.loads(line) for line in (DATA_DIR / f"{set_name}.jsonl").read_text().splitlines()]
    return next(r for r in rows if r["id"] == problem_id)


def generations(sim: ThreadedApp) -> int:
    return int(httpx.get(sim.url + "/_sim/stats").json()["generations_started"])


def test_check_a_bank_problem_privately_with_reveals_for_the_asker_only(
    bot: subprocess.Popen[bytes], discord_fake: FakeServer, sim: ThreadedApp
) -> None:
    fake, aya = discord_fake.fake, problem("aime_2024", 60)
    discord_fake.run(fake.command("check", {"answer": "240", "problem": aya["problem"]}))
    verdict = seen(discord_fake, ALICE, 1, contains=texts.WRONG_OFFICIAL)
    assert verdict["flags"] & 64 and "204" not in verdict["content"]
    reveal = buttons(verdict)
    assert set(reveal) == {"answer", "solution"}

    discord_fake.run(fake.click(verdict["id"], reveal["answer"], author=BOB))
    assert texts.REVEAL_ONLY_OWNER in seen(discord_fake, BOB, 1)["content"]
    discord_fake.run(fake.click(verdict["id"], reveal["answer"]))
    assert texts.answer_title("204") in seen(discord_fake, ALICE, 2)["content"]

    discord_fake.run(fake.command("check", {"answer": "204", "problem": aya["problem"]}))
    assert seen(discord_fake, ALICE, 3, contains=texts.CORRECT)
    assert public_text(discord_fake) == ""
    assert generations(sim) == 0


def test_check_against_five_samples_in_the_same_private_response(
    bot: subprocess.Popen[bytes],
    discord_fake: FakeServer,
    sim: ThreadedApp,
    env: dict[str, str],
    tmp_path: Path,
) -> None:
    fake = discord_fake.fake
    right = hashed_answer(f"{OWN_PROBLEM}\n\n{prompt.INSTRUCTION}")
    with workers(env, tmp_path):
        discord_fake.run(fake.command("check", {"answer": right, "problem": OWN_PROBLEM}))
        verdict = seen(discord_fake, ALICE, 1, contains=texts.CORRECT)  # "Checking…", edited by the worker
        assert re.search(ALL_AGREE, verdict["content"])
        discord_fake.run(fake.command("check", {"answer": "1", "problem": OWN_PROBLEM}, author=BOB))
        wrong = seen(discord_fake, BOB, 1, contains=texts.WRONG_VOTE)
        assert right not in wrong["content"]
    assert public_text(discord_fake) == "" and generations(sim) == 10
    assert [m["id"] for m in fake.seen_by(ALICE["id"])] == [verdict["id"]]  # one private message, edited


def test_check_in_the_thread_of_an_answered_problem_takes_the_problem_from_it(
    bot: subprocess.Popen[bytes], discord_fake: FakeServer, env: dict[str, str], tmp_path: Path
) -> None:
    fake = discord_fake.fake
    with workers(env, tmp_path):
        asked = discord_fake.run(fake.send_message(problem("aime_2025", 1)["problem"], mention_bot=True))
        thread = int(asked["id"])  # the thread mathbot starts from the question
        from tests.support.processes import wait_for

        wait_for(
            lambda: any("Final answer" in m["content"] for m in fake.bot_messages(thread)),
            30,
            message="the answer",
        )
        discord_fake.run(fake.command("check", {"answer": "70"}, channel=thread, author=BOB))
        assert texts.CORRECT in seen(discord_fake, BOB, 1, contains=texts.CORRECT)["content"]


def test_a_verdict_after_the_interaction_token_expired_comes_by_direct_message(
    bot: subprocess.Popen[bytes], discord_fake: FakeServer, env: dict[str, str], tmp_path: Path
) -> None:
    fake = discord_fake.fake
    right = hashed_answer(f"{OWN_PROBLEM}\n\n{prompt.INSTRUCTION}")
    discord_fake.run(fake.command("check", {"answer": right, "problem": OWN_PROBLEM}))
    assert texts.CHECKING in seen(discord_fake, ALICE, 1, contains=texts.CHECKING)["content"]
    fake.token_lifetime = 0.0  # the check waited longer than Discord's 15 minutes
    with workers(env, tmp_path):
        dm = seen(discord_fake, ALICE, 2, contains=texts.CORRECT)
    assert fake.dm_channels[dm["channel_id"]] == ALICE["id"] and public_text(discord_fake) == ""
