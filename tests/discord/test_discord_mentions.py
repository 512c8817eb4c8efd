"""Nobody gets pinged, end to end: a question and a model answer full of `@everyone`, `@here`, user and
role mentions go through `mathbot discord`, a worker and the simulator, and every message, edit,
interaction response and thread name mathbot sends allows no mentions and shows them defused.

The simulator answers a custom known problem whose official answer is itself a mention, and its
reasoning restates the problem, so the mentions reach the thread name, the `/solve` post, the progress
snippets and the final answer.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from mathbot.render.safety import ZWSP
from tests.discord.conftest import FakeServer
from tests.discord.test_discord_flow import answered, assert_safe_and_small, thread_calls
from tests.fakes.discord import Call, FakeDiscord, snowflake, user
from tests.support import processes
from tests.support import sim as simulator
from tests.support.sim import Sim

BOB_ID, ROLE_ID = 1300000000000000123, 1300000000000000456
"""Snowflakes (15-20 digits): Discord's ids, the only `<@…>` it (and discord.py's clean content) resolves."""

PROBLEM = (
    f"Tell @everyone and @here, and ask <@{BOB_ID}>, <@!{BOB_ID}> and the role <@&{ROLE_ID}>: "
    "how many positive divisors does 36 have?"
)
ANSWER = f"@everyone <@&{ROLE_ID}>"
"""The simulator's "official" answer to PROBLEM: the model's final answer is a mention too."""

BOB = user(BOB_ID, "bob")
"""The user PROBLEM mentions, shown as "Bob" (Discord sends the users a message mentions along with it)."""

SEEN = (
    f"Tell @{ZWSP}everyone and @{ZWSP}here, and ask @Bob, @Bob and the role @deleted-role: "
    "how many positive divisors does 36 have?"
)
"""PROBLEM as a mention brings it to the model: Discord's clean content (users and roles by name, the
role unknown to this server, `@everyone` defused), mathbot's own mention left out."""

RAW_MENTION = re.compile(r"(?<![\w@])@(everyone|here)\b|<@[!&]?\d+>")
"""What Discord would turn into a ping (if allowed_mentions let it)."""

DEFUSED = (
    f"@{ZWSP}everyone",
    f"@{ZWSP}here",
    f"<@{ZWSP}{BOB_ID}>",
    f"<@{ZWSP}!{BOB_ID}>",
    f"<@{ZWSP}&{ROLE_ID}>",
)


@pytest.fixture
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sim]:
    """The simulator knowing only PROBLEM, slow enough that progress edits show its reasoning."""
    data = tmp_path_factory.mktemp("problems")
    rows = [{"id": 1, "problem": PROBLEM, "answer": ANSWER}, {"id": 2, "problem": SEEN, "answer": ANSWER}]
    (data / "mentions.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    app = simulator.start(tokens_per_second=80.0, reasoning_tokens=300, data_dir=str(data))
    yield app
    app.stop()


def shown_texts(call: Call) -> list[str]:
    """Everything a message call puts on screen: content, embeds, and a thread's name."""
    body = call.json if isinstance(call.json, dict) else {}
    payload = body.get("data", body) if call.path.endswith("/callback") else body
    texts = [payload.get("content") or "", payload.get("name") or ""]
    for embed in payload.get("embeds") or []:
        texts += [embed.get("title") or "", embed.get("description") or ""]
    return [t for t in texts if t]


def assert_no_raw_mentions(fake: FakeDiscord) -> list[str]:
    """No message, edit, interaction response or thread name shows a live mention; returns the texts."""
    assert_safe_and_small(fake)  # allowed_mentions parse == [] (and no users/roles) on every one
    texts: list[str] = []
    for call in [*fake.message_calls(), *thread_calls(fake)]:
        for text in shown_texts(call):
            assert not RAW_MENTION.search(text), f"{call.method} {call.path} shows a live mention: {text!r}"
            texts.append(text)
    return texts


def assert_defused_everywhere(texts: list[str], forms: tuple[str, ...] = DEFUSED) -> None:
    """Each mention of the question appears somewhere, defused (so the checks above saw it)."""
    shown = "\n".join(texts)
    for defused in forms:
        assert defused in shown, f"{defused!r} never shown"


def test_mentions_in_a_mentioned_question_and_its_answer_ping_nobody(
    bot: subprocess.Popen[bytes],
    worker: subprocess.Popen[bytes],
    discord_fake: FakeServer,
    sim: Sim,
) -> None:
    fake = discord_fake.fake
    asked = discord_fake.run(fake.send_message(PROBLEM, mention_bot=True, mentions=[BOB]))
    head = answered(fake, asked["id"])[0]

    (thread,) = thread_calls(fake)
    assert isinstance(thread.json, dict)
    assert thread.json["name"].startswith(f"Tell @{ZWSP}everyone and @{ZWSP}here")
    assert_sim_saw_the_question(sim, SEEN)
    assert head["content"].startswith(f"## Final answer: @{ZWSP}everyone"), head["content"][:80]
    texts = assert_no_raw_mentions(fake)
    # the question reached the model by name; only the model's own answer holds a raw mention, defused
    assert_defused_everywhere(texts, (f"@{ZWSP}everyone", f"@{ZWSP}here", "@Bob", f"<@{ZWSP}"))
    restated = [t for t in texts if t.startswith("**Thinking…**") and "Let me restate" in t]
    assert restated, "a progress edit showed the reasoning quoting the question (and passed the checks)"


def test_mentions_in_a_solve_problem_and_the_askers_name_ping_nobody(
    bot: subprocess.Popen[bytes],
    worker: subprocess.Popen[bytes],
    discord_fake: FakeServer,
    sim: Sim,
) -> None:
    fake = discord_fake.fake
    asker = user(snowflake(), "mallory") | {"global_name": "@everyone <@&456>"}
    interaction = discord_fake.run(fake.slash("solve", {"problem": PROBLEM}, author=asker))
    processes.wait_for(lambda: "response_message_id" in interaction, timeout=5, message="the /solve post")
    head = answered(fake, interaction["response_message_id"])[0]

    callback = next(c for c in fake.calls if c.path.endswith("/callback"))
    assert isinstance(callback.json, dict)
    post: str = callback.json["data"]["content"]
    assert post.startswith(f"**@{ZWSP}everyone <@{ZWSP}&456>** asked:"), post[:80]
    assert f">>> Tell @{ZWSP}everyone and @{ZWSP}here" in post
    (thread,) = thread_calls(fake)
    assert isinstance(thread.json, dict) and thread.json["name"].startswith(f"Tell @{ZWSP}everyone")
    assert head["content"].startswith(f"## Final answer: @{ZWSP}everyone")
    assert_defused_everywhere(assert_no_raw_mentions(fake))


def assert_sim_saw_the_question(sim: Sim, question: str = PROBLEM) -> None:
    """The model got the question as people read it (a /solve problem verbatim: Discord resolves no
    mention in an option; a mentioned message as Discord's clean content)."""
    stats: dict[str, Any] = sim.stats()
    assert question in stats["last_chat_request"]["messages"][-1]["content"]
    assert stats["generations_completed"] >= 1
