"""What one channel keeps stays there, and what one person reveals is theirs: a click on another channel's
card reveals nothing, a practice problem takes answers only where it was posted, a check's answer is its
asker's alone, and hints are counted per person. The core's rules, on the real Redis."""

from __future__ import annotations

import pytest
import redis

from mathbot.settings import Settings
from mathbot.study import bank, clicks, hidden, practice, texts
from tests.conftest import DATA_DIR, NO_DATA

pytestmark = pytest.mark.skipif(not DATA_DIR.is_dir(), reason=NO_DATA)

SOLUTION = "First step.\n\nSecond step.\n\nSo the answer is $\\boxed{7}$."


def who(channel: str, user: str, platform: str = "slack") -> clicks.Who:
    return clicks.Who(platform=platform, channel=channel, user=user, name=user.title())


def test_a_hidden_answer_is_revealed_only_where_it_was_shown(
    redis_conn: redis.Redis, settings: Settings
) -> None:
    shown = hidden.Hidden(platform="slack", channel="C1", problem="p", final="7", solution=SOLUTION)
    hidden.keep(redis_conn, "ref1", shown, 60)
    elsewhere = clicks.click(redis_conn, settings, "ref1", "answer", who("C2", "ada"))
    assert elsewhere.card is not None and elsewhere.card.title == texts.REVEAL_ELSEWHERE
    other_platform = clicks.click(redis_conn, settings, "ref1", "answer", who("C1", "ada", "discord"))
    assert other_platform.card is not None and other_platform.card.title == texts.REVEAL_ELSEWHERE
    here = clicks.click(redis_conn, settings, "ref1", "answer", who("C1", "ada"))
    assert here.card is not None and here.card.private and here.card.title == texts.answer_title("7")

    first = [clicks.click(redis_conn, settings, "ref1", "hint", who("C1", "ada")).card for _ in range(2)]
    bob = clicks.click(redis_conn, settings, "ref1", "hint", who("C1", "bob")).card
    assert (
        [c.body for c in first if c] == ["First step.", "Second step."] and bob and bob.body == "First step."
    )


def test_a_check_s_answer_is_its_asker_s(redis_conn: redis.Redis, settings: Settings) -> None:
    mine = hidden.Hidden(
        platform="slack", channel="C1", owner="ada", problem="p", final="7", solution=SOLUTION
    )
    hidden.keep(redis_conn, "check1", mine, 60)
    for kind in ("answer", "solution", "hint"):
        bob = clicks.click(redis_conn, settings, "check1", kind, who("C1", "bob")).card
        assert bob is not None and bob.title == texts.REVEAL_ONLY_OWNER


def test_a_practice_problem_takes_answers_only_in_its_channel(
    redis_conn: redis.Redis, settings: Settings
) -> None:
    problem = bank.load(str(DATA_DIR)).get("aime_2025#1")
    assert problem is not None
    posted = practice.new(problem, platform="slack", channel="C1", team="T1", daily=False, settings=settings)
    practice.opened(redis_conn, settings, posted, "1700000000.000100")
    form = clicks.Form("submit", posted.id, "", "")
    elsewhere = clicks.answered(redis_conn, settings, form, "70", who("C2", "ada"))
    assert elsewhere.card.title == texts.PRACTICE_ELSEWHERE and elsewhere.public is None
    here = clicks.answered(redis_conn, settings, form, "70", who("C1", "ada"))
    assert here.public is not None and here.public.startswith("✅ Ada solved it — 1st")
    assert here.thread == "1700000000.000100" and "70" not in here.public
