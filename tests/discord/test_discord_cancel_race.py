"""Cancel clicked just after the answer appeared, while the rest of it is still being posted: the answer
stays, whole, and the clicker hears "already finished" (it used to be replaced by "Cancelled", and the
stopped run never posted the rest).

`mathbot discord` on the fake Discord, a real `mathbot worker`, Redis and the simulator writing a long
solution (three messages); Discord rate-limits the answer's second message for a few seconds, so the
click lands while the first message already shows the answer and the delivery is not over.
"""

from __future__ import annotations

import subprocess
from typing import Any

import httpx

from bots.discord import layout, texts
from mathbot import messages
from tests.discord.conftest import FakeServer
from tests.discord.fake_discord import FakeDiscord
from tests.discord.test_discord_cancel import PROBLEM, edits_of, wait_for_button
from tests.discord.test_discord_flow import answered, assert_safe_and_small
from tests.support import processes
from tests.support.servers import ThreadedApp

HELD_SECONDS = 5.0
"""How long Discord holds back the answer's second message (a 429 with this Retry-After)."""


def showing_answer(fake: FakeDiscord, thread: str) -> dict[str, Any] | None:
    shown = fake.bot_messages(thread)
    return shown[0] if shown and shown[0]["content"].startswith("## Final answer") else None


def test_cancel_clicked_while_the_answer_is_being_posted_leaves_the_answer(
    bot: subprocess.Popen[bytes], worker: subprocess.Popen[bytes], discord_fake: FakeServer, sim: ThreadedApp
) -> None:
    fake = discord_fake.fake
    httpx.post(sim.url + "/_sim/faults", json={"solution_paragraphs": 40, "tokens_per_second": 150})
    asked = discord_fake.run(fake.send_message(PROBLEM, mention_bot=True))
    thread = asked["id"]
    with_button = dict(wait_for_button(fake, thread, showing=" tokens · "))
    fake.rate_limit("POST", rf"/channels/{thread}/messages", retry_after=HELD_SECONDS)
    head = processes.wait_for(lambda: showing_answer(fake, thread), timeout=60, message="the answer")
    assert len(fake.bot_messages(thread)) == 1, "the rest of the answer is held back"

    # The asker clicks the button they still see, as the answer's first message lands.
    discord_fake.run(fake.click(head["id"], layout.CANCEL_ID, seen=with_button))
    processes.wait_for(lambda: fake.followups, timeout=30, message="the reply to the click")
    assert [f["content"] for f in fake.followups] == [texts.CANCEL_REFUSED["finished"]]
    assert fake.followups[0]["flags"] & 64, "only the clicker sees it"

    shown = answered(fake, thread)
    assert len(shown) == 3 and shown[0]["content"].startswith("## Final answer: 70"), [
        m["content"][:40] for m in shown
    ]
    assert [a["filename"] for a in shown[-1]["attachments"]][-1] == "reasoning.md"
    patches = [c.json for c in edits_of(fake, head["id"]) if isinstance(c.json, dict)]
    assert not [p for p in patches if p.get("content") == messages.CANCELLED], "never replaced by Cancelled"
    assert_safe_and_small(fake)
