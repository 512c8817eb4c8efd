"""A study group's evening on Slack and on Discord, end to end (adapter, worker with its scheduler, the
simulator, the fakes): study mode, a hidden answer and its hints, a private check, a practice problem
with a wrong and a right answer and a give-up, its reveal, the leaderboard and the problem of the day.
Run with `-s` to read the evening as its people saw it (public and private lines)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from bots.slack import study
from mathbot import prompt
from mathbot.sim.script import hashed_answer
from mathbot.study import practice, texts
from tests.conftest import DATA_DIR, NO_DATA, settings_env
from tests.discord.conftest import FakeServer, discord_env
from tests.fakes.discord import ALICE, BOB
from tests.fakes.slack import BOT_USER, FakeSlack, signing
from tests.slack import flows
from tests.slack.flows import workers
from tests.study import discord_flows
from tests.study.conftest import STUDY_VARS, study_slack_vars
from tests.study.slack_flows import (
    ADA,
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
from tests.study.slack_flows import (
    BOB as SLACK_BOB,
)
from tests.study.transcript import Evening
from tests.support.processes import wait_for
from tests.support.servers import ThreadedApp

pytestmark = pytest.mark.skipif(not DATA_DIR.is_dir(), reason=NO_DATA)

DEADLINE = 25
OWN_PROBLEM = (
    "A study group of $n$ friends shares $n^2 + 3n$ pencils equally among $n + 3$ boxes. "
    "How many pencils are in each box when $n = 12$?"
)


def aime_2025(problem_id: int) -> str:
    rows = [json.loads(line) for line in (DATA_DIR / "aime_2025.jsonl").read_text().splitlines()]
    return str(next(r for r in rows if r["id"] == problem_id)["problem"])


def shows(answer: str, text: str) -> bool:
    return re.search(rf"(?<![\d,.]){re.escape(answer)}(?![\d,])", text) is not None


class TestSlack:
    @pytest.fixture
    def env(self, redis_url: str, sim: ThreadedApp, fake_slack: FakeSlack) -> dict[str, str]:
        return settings_env(
            redis_url, sim.url, **study_slack_vars(fake_slack), MATHBOT_PRACTICE_DEADLINE=str(DEADLINE)
        )

    def test_an_evening_on_slack(
        self, fake_slack: FakeSlack, slack_app: ThreadedApp, env: dict[str, str], tmp_path: Path, redis_conn
    ) -> None:
        fake, evening = fake_slack, Evening()
        fake.admins.add(ADA)
        with workers(env, tmp_path):
            evening.did(len(fake.calls), "Ada", "/mathbot study on")
            slash(slack_app, fake, "/mathbot", "study on")
            wait_for(lambda: responses(fake), 10, message="study on")
            evening.did(len(fake.calls), "Bob", "@mathbot <AIME 2025 problem 2>")
            mention = {
                "type": "app_mention",
                "channel": CHANNEL,
                "user": SLACK_BOB,
                "ts": "1700000001.000001",
            }
            body = signing.event({**mention, "text": f"<@{BOT_USER}> {aime_2025(2)}"})
            signing.post(slack_app.url, body, signing.JSON)
            placeholder = flows.placeholder(fake, CHANNEL, mention["ts"])
            card = wait_for(
                lambda: next(
                    (c for c in fake.updates(placeholder) if texts.HIDDEN_TITLE in text_of(c)), None
                ),
                30,
            )
            ref = buttons(card)[study.ACTION_PREFIX + "hint"]
            for n in (1, 2):
                evening.did(len(fake.calls), "Bob", "clicks Hint")
                press(slack_app, study.ACTION_PREFIX + "hint", ref, SLACK_BOB, placeholder, mention["ts"])
                ephemeral(fake, SLACK_BOB, n)
            evening.did(len(fake.calls), "Ada", "clicks Show answer")
            press(slack_app, study.ACTION_PREFIX + "answer", ref, ADA, placeholder, mention["ts"])
            ephemeral(fake, ADA, 1)

            evening.did(len(fake.calls), "Ada", "/check, then fills in the form: her own problem, answer 12")
            slash(slack_app, fake, "/check", "")
            submit(slack_app, opened_view(fake), ADA, {"problem": OWN_PROBLEM, "answer": "12"})
            ephemeral(fake, ADA, 3)

            evening.did(len(fake.calls), "Ada", "/practice aime_2025")
            slash(slack_app, fake, "/practice", "aime_2025")
            root = wait_for(lambda: [c for c in fake.roots(CHANNEL) if "Practice" in text_of(c)], 10)[0]
            ts, pid = root.response["ts"], buttons(root)[study.ACTION_PREFIX + "submit"]
            answer = practice.load(redis_conn, pid).answer  # type: ignore[union-attr]
            for n, (who, name, given) in enumerate(((SLACK_BOB, "Bob", "1"), (ADA, "Ada", answer)), start=2):
                evening.did(len(fake.calls), name, f"clicks Submit answer, answers {given}")
                press(slack_app, study.ACTION_PREFIX + "submit", pid, who, ts)
                submit(slack_app, opened_view(fake, n), who, {"answer": given})
            wait_for(lambda: fake.posted(CHANNEL, ts), 10, message="Ada's solve")
            evening.did(len(fake.calls), "Bob", "clicks Give up")
            press(slack_app, study.ACTION_PREFIX + "giveup", pid, SLACK_BOB, ts)
            wait_for(lambda: len(fake.ephemerals(SLACK_BOB)) >= 4, 10)
            reveal = wait_for(
                lambda: [c for c in fake.posted(CHANNEL, ts) if "Time's up" in text_of(c)], DEADLINE + 30
            )
            evening.did(len(fake.calls), "Ada", "/leaderboard all")
            slash(slack_app, fake, "/leaderboard", "all")
            evening.did(len(fake.calls) + 1, "Ada", "/mathbot daily on 18:30 Europe/Paris aime_2025")
            slash(slack_app, fake, "/mathbot", "daily on 18:30 Europe/Paris aime_2025")
            wait_for(lambda: len(responses(fake)) >= 3, 10)
        print("\n".join(["", "---- an evening on Slack ----", *evening.slack(fake)]))
        public = [
            text_of(c) for c in fake.calls_to("chat.postMessage", "chat.update") if c.response.get("ok")
        ]
        # from the practice post to its reveal: earlier messages are about other questions, whose token
        # counts and simulated steps may hold the practice answer's digits by chance (248 tokens)
        before = public[public.index(text_of(root)) : public.index(text_of(reveal[0]))]
        assert not any(shows(answer, p.replace(text_of(root), "")) for p in before)


class TestDiscord:
    @pytest.fixture
    def env(self, redis_url: str, sim: ThreadedApp, discord_fake: FakeServer) -> dict[str, str]:
        return discord_env(
            redis_url, sim.url, discord_fake.fake, **STUDY_VARS, MATHBOT_PRACTICE_DEADLINE=str(DEADLINE)
        )

    def test_an_evening_on_discord(
        self,
        bot: subprocess.Popen[bytes],
        discord_fake: FakeServer,
        env: dict[str, str],
        tmp_path: Path,
        redis_conn,
    ) -> None:
        fake, evening, run = discord_fake.fake, Evening(), discord_fake.run
        names = {ALICE["id"]: "Alice", BOB["id"]: "Bob"}
        with workers(env, tmp_path):
            evening.did(len(fake.calls), "Alice", "/mathbot study mode:on")
            run(fake.command("mathbot", {"mode": "on"}, path=["study"]))
            evening.did(len(fake.calls), "Bob", "@mathbot <AIME 2025 problem 2>")
            asked = run(fake.send_message(aime_2025(2), mention_bot=True, author=BOB))
            thread = int(asked["id"])
            card = wait_for(
                lambda: next(
                    (m for m in fake.bot_messages(thread) if texts.HIDDEN_TITLE in m["content"]), None
                ),
                30,
            )
            for n in (1, 2):
                evening.did(len(fake.calls), "Bob", "clicks Hint")
                run(fake.click(card["id"], discord_flows.buttons(card)["hint"], author=BOB))
                discord_flows.seen(discord_fake, BOB, n)
            evening.did(len(fake.calls), "Alice", "clicks Show answer")
            run(fake.click(card["id"], discord_flows.buttons(card)["answer"]))
            discord_flows.seen(discord_fake, ALICE, 1)

            right = hashed_answer(f"{OWN_PROBLEM}\n\n{prompt.INSTRUCTION}")
            evening.did(len(fake.calls), "Alice", f"/check answer:{right} problem:<her own problem>")
            run(fake.command("check", {"answer": right, "problem": OWN_PROBLEM}))
            discord_flows.seen(discord_fake, ALICE, 2, contains="Correct")

            evening.did(len(fake.calls), "Alice", "/practice set:aime_2025")
            run(fake.command("practice", {"set": "aime_2025"}))
            post = wait_for(
                lambda: next((m for m in fake.public() if "Practice problem" in m["content"]), None), 10
            )
            pid = discord_flows.buttons(post)["submit"].rsplit(":", 1)[1]
            answer = practice.load(redis_conn, pid).answer  # type: ignore[union-attr]
            for n, (who, given) in enumerate(((BOB, "1"), (ALICE, answer)), start=1):
                evening.did(len(fake.calls), names[who["id"]], f"clicks Submit answer, answers {given}")
                run(fake.click(post["id"], discord_flows.buttons(post)["submit"], author=who))
                form = wait_for(lambda n=n: fake.modals[n - 1] if len(fake.modals) >= n else None, 10)
                run(fake.submit_modal(form, {"answer": given}, author=who))
            wait_for(lambda: any("solved it" in m["content"] for m in fake.public()), 10)
            evening.did(len(fake.calls), "Bob", "clicks Give up")
            run(fake.click(post["id"], discord_flows.buttons(post)["giveup"], author=BOB))
            wait_for(lambda: any("Time's up" in m["content"] for m in fake.public()), DEADLINE + 30)
            evening.did(len(fake.calls), "Alice", "/leaderboard period:all")
            run(fake.command("leaderboard", {"period": "all"}))
            evening.did(
                len(fake.calls), "Alice", "/mathbot daily on time:18:30 zone:Europe/Paris set:aime_2025"
            )
            run(
                fake.command(
                    "mathbot",
                    {"time": "18:30", "zone": "Europe/Paris", "set": "aime_2025"},
                    path=["daily", "on"],
                )
            )
            wait_for(lambda: any("every day" in m["content"] for m in fake.public()), 10)
        print("\n".join(["", "---- an evening on Discord ----", *evening.discord(fake, names)]))
        reveal_at = next(i for i, m in enumerate(fake.public()) if "Time's up" in m["content"])
        assert not any(
            shows(answer, m["content"].replace(post["content"], "")) for m in fake.public()[:reveal_at]
        )
