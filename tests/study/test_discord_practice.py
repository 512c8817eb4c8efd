"""Practice problems on Discord, end to end: /practice posts the problem (the interaction's public
response) and starts its thread; "Submit answer" opens a form (a modal, callback type 9); the verdict is
ephemeral; the thread names the solvers in order, never the answer; the deadline reveals in the thread."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from mathbot.study import practice
from tests.conftest import DATA_DIR, NO_DATA
from tests.discord.conftest import FakeServer, discord_env
from tests.fakes.discord import ALICE, BOB
from tests.slack.flows import workers
from tests.study.conftest import STUDY_VARS
from tests.study.discord_flows import buttons, public_text, seen
from tests.support.processes import wait_for
from tests.support.servers import ThreadedApp

pytestmark = pytest.mark.skipif(not DATA_DIR.is_dir(), reason=NO_DATA)

DEADLINE = 15


@pytest.fixture
def env(redis_url: str, sim: ThreadedApp, discord_fake: FakeServer) -> dict[str, str]:
    return discord_env(
        redis_url, sim.url, discord_fake.fake, **STUDY_VARS, MATHBOT_PRACTICE_DEADLINE=str(DEADLINE)
    )


def official(key: str) -> str:
    set_name, _, problem_id = key.partition("#")
    rows = [json.loads(line) for line in (DATA_DIR / f"{set_name}.jsonl").read_text().splitlines()]
    return str(next(r for r in rows if str(r["id"]) == problem_id)["answer"])


def shows(answer: str, text: str) -> bool:
    return re.search(rf"(?<![\d,.]){re.escape(answer)}(?![\d,])", text) is not None


def modal(served: FakeServer, count: int) -> dict:
    return wait_for(
        lambda: served.fake.modals[count - 1] if len(served.fake.modals) >= count else None,
        10,
        message="a form",
    )  # type: ignore[no-any-return]


def test_a_practice_problem_on_discord(
    bot: subprocess.Popen[bytes], discord_fake: FakeServer, env: dict[str, str], tmp_path: Path, redis_conn
) -> None:
    fake = discord_fake.fake
    with workers(env, tmp_path):
        discord_fake.run(fake.command("practice", {"set": "aime_2025"}))
        post = wait_for(
            lambda: next((m for m in fake.public() if "Practice problem" in m["content"]), None),
            10,
            message="the post",
        )
        ref = buttons(post)["submit"].rsplit(":", 1)[1]
        assert set(buttons(post)) == {"submit", "hint", "giveup"}
        thread = wait_for(lambda: post.get("thread"), 10, message="the thread")["id"]
        posted = wait_for(lambda: practice.load(redis_conn, ref), 10, message="the practice record")
        assert posted.thread == thread
        answer = official(posted.key)

        discord_fake.run(fake.click(post["id"], buttons(post)["submit"], author=BOB))
        form = modal(discord_fake, 1)
        assert form["custom_id"] == f"mathbot:form:submit:{ref}" and form["user"] == BOB["id"]
        discord_fake.run(fake.submit_modal(form, {"answer": str(int(answer) + 1)}, author=BOB))
        assert seen(discord_fake, BOB, 1, contains="Not right")["flags"] & 64

        discord_fake.run(fake.click(post["id"], buttons(post)["submit"]))
        discord_fake.run(fake.submit_modal(modal(discord_fake, 2), {"answer": answer}))
        assert seen(discord_fake, ALICE, 1, contains="Correct!")
        solved = wait_for(
            lambda: [m for m in fake.bot_messages(thread) if "solved it" in m["content"]],
            10,
            message="the solve",
        )
        assert [m["content"].split(" — ")[0] for m in solved] == [
            "✅ Alice solved it"
        ]  # Bob's wrong try is not there
        assert not shows(answer, public_text(discord_fake).replace(post["content"], ""))

        reveal = wait_for(
            lambda: [m for m in fake.bot_messages(thread) if "Time's up" in m["content"]],
            DEADLINE + 30,
            message="the reveal",
        )
    assert shows(answer, reveal[0]["content"]) and "Solved by 1: Alice (1st" in "\n".join(
        m["content"] for m in reveal
    )
