"""Study mode on Discord, end to end: only members with Manage Channels may switch it; in study mode the
answer in the thread hides the answer, and its buttons answer with ephemeral messages (flags 64) that
only the clicker sees: hints in order and per person, the answer, the solution with the reasoning file."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from mathbot.study import texts
from tests.conftest import DATA_DIR, NO_DATA
from tests.discord.conftest import FakeServer, discord_env
from tests.fakes.discord import ALICE, BOB
from tests.slack.flows import workers
from tests.study.conftest import STUDY_VARS
from tests.study.discord_flows import buttons, public_text, seen
from tests.support.processes import wait_for
from tests.support.servers import ThreadedApp

pytestmark = pytest.mark.skipif(not DATA_DIR.is_dir(), reason=NO_DATA)

MANAGE_CHANNELS = 1 << 4


@pytest.fixture
def env(redis_url: str, sim: ThreadedApp, discord_fake: FakeServer) -> dict[str, str]:
    return discord_env(redis_url, sim.url, discord_fake.fake, **STUDY_VARS)


def aime_2025(problem_id: int) -> dict:
    rows = [json.loads(line) for line in (DATA_DIR / "aime_2025.jsonl").read_text().splitlines()]
    return next(r for r in rows if r["id"] == problem_id)


def shows(answer: str, text: str) -> bool:
    return re.search(rf"(?<![\d,.]){answer}(?![\d,])", text) is not None


def test_study_mode_on_discord(
    bot: subprocess.Popen[bytes], discord_fake: FakeServer, env: dict[str, str], tmp_path: Path
) -> None:
    fake = discord_fake.fake
    fake.member_permissions[BOB["id"]] = (1 << 53) - 1 - MANAGE_CHANNELS
    discord_fake.run(fake.command("mathbot", {"mode": "on"}, path=["study"], author=BOB))
    assert "Manage Channels" in seen(discord_fake, BOB, 1)["content"]  # refused, privately
    discord_fake.run(fake.command("mathbot", {"mode": "on"}, path=["study"]))
    wait_for(lambda: texts.STUDY_ON in public_text(discord_fake), 10, message="study mode announced")

    with workers(env, tmp_path):
        asked = discord_fake.run(fake.send_message(aime_2025(2)["problem"], mention_bot=True))
        thread = int(asked["id"])
        card = wait_for(
            lambda: next((m for m in fake.bot_messages(thread) if texts.HIDDEN_TITLE in m["content"]), None),
            30,
            message="the hidden answer",
        )
    assert set(buttons(card)) == {"hint", "answer", "solution", "check"}
    edits = [
        c.json.get("content", "") for c in fake.calls if c.method == "PATCH" and isinstance(c.json, dict)
    ]
    assert not any(shows("588", e) or "Final answer" in e for e in edits)
    assert not shows("588", public_text(discord_fake))

    hints = []
    for n in range(1, 10):
        discord_fake.run(fake.click(card["id"], buttons(card)["hint"], author=BOB))
        hints.append(seen(discord_fake, BOB, n + 1)["content"])
        if texts.NO_MORE_HINTS in hints[-1]:
            break
    total = len(hints) - 1
    assert texts.hint_title(1, total) in hints[0] and "Simulated solution" in hints[0]
    assert texts.hint_title(2, total) in hints[1] and "Let x be the quantity" in hints[1]
    assert texts.final_hint_title(total) in hints[total - 1] and shows("588", hints[total - 1])

    discord_fake.run(fake.click(card["id"], buttons(card)["hint"]))
    assert texts.hint_title(1, total) in seen(discord_fake, ALICE, 1)["content"]  # her own first hint
    discord_fake.run(fake.click(card["id"], buttons(card)["solution"]))
    solution = seen(discord_fake, ALICE, 2)
    assert solution["flags"] & 64 and texts.SOLUTION_TITLE in solution["content"]
    assert [a["filename"] for a in solution["attachments"]] == ["reasoning.md"]
    discord_fake.run(fake.click(card["id"], buttons(card)["answer"]))
    assert texts.answer_title("588") in seen(discord_fake, ALICE, 3)["content"]
    assert not shows("588", public_text(discord_fake))
