"""The problem bank: the shared sets read as a bank, problems found however they are pasted, and chosen
by set and difficulty without repeating the recent ones."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from mathbot.study import bank
from tests.conftest import DATA_DIR, NO_DATA


@pytest.fixture
def shared() -> bank.Bank:
    if not DATA_DIR.is_dir():
        pytest.skip(NO_DATA)
    return bank.load(str(DATA_DIR))


def test_the_shared_sets_are_a_bank(shared: bank.Bank) -> None:
    assert shared.sets() == {
        "aime_2024": 30,
        "aime_2025": 30,
        "amc_2023": 40,
        "hmmt_2025": 30,
        "math_500": 500,
    }
    first = shared.get("aime_2025#1")
    assert first is not None and first.answer == "70" and first.source == "AIME 2025 #1"
    assert shared.get("amc_2023#0").answer == "27"  # type: ignore[union-attr]  # 27.0 in the file
    assert shared.get("math_500#test/precalculus/807.json").difficulty == "2"  # type: ignore[union-attr]
    assert shared.get("aime_2024#60").solution  # type: ignore[union-attr]


def test_a_problem_is_found_however_it_is_pasted(shared: bank.Bank) -> None:
    text = shared.get("aime_2025#1").problem  # type: ignore[union-attr]
    assert shared.find(text).key == "aime_2025#1"  # type: ignore[union-attr]
    assert shared.find("  " + text.replace(" ", "\n").upper() + " ").key == "aime_2025#1"  # type: ignore[union-attr]
    assert shared.find("Problem 1 (AIME 2025): " + text + " Good luck!").key == "aime_2025#1"  # type: ignore[union-attr]
    assert shared.find(text.replace("\\(", "$").replace("\\)", "$")).key == "aime_2025#1"  # type: ignore[union-attr]
    longer = shared.get("aime_2025#2").problem  # type: ignore[union-attr]
    cut = longer[: longer.rindex("Find")]  # lost its question: most of the problem is still there
    assert shared.find(cut).key == "aime_2025#2"  # type: ignore[union-attr]
    assert shared.find(text[:60]) is None  # a fragment is not the problem
    assert shared.find("Find x.") is None and shared.find("") is None


def test_choose_by_set_and_difficulty_avoiding_recent(shared: bank.Bank) -> None:
    rng = random.Random(1)
    assert shared.choose(rng, set_name="AIME 2025").set == "aime_2025"  # type: ignore[union-attr]
    assert shared.choose(rng, set_name="math_500", difficulty="5").difficulty == "5"  # type: ignore[union-attr]
    assert shared.choose(rng, set_name="nope") is None
    recent = [f"aime_2025#{i}" for i in range(1, 30)]
    assert shared.choose(rng, set_name="aime_2025", avoid=recent).key == "aime_2025#30"  # type: ignore[union-attr]
    everything = [p.key for p in shared.problems if p.set == "aime_2025"]
    assert shared.choose(rng, set_name="aime_2025", avoid=everything) is not None  # all seen: any


def test_bad_rows_are_skipped_and_a_changed_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "club_week1.jsonl"
    rows = [{"problem": "What is $1+1$?", "answer": 2, "difficulty": "easy"}, {"problem": "No answer"}]
    path.write_text("\n".join([*map(json.dumps, rows), "not json", ""]))
    first = bank.load(str(tmp_path))
    assert len(first) == 1 and first.problems[0].source == "CLUB week1 #1"
    path.write_text(
        path.read_text() + json.dumps({"problem": "2+2?", "answer": "4", "source": "Ms. K"}) + "\n"
    )
    second = bank.load(str(tmp_path))
    assert len(second) == 2 and second.problems[1].source == "Ms. K"
    assert len(bank.load(str(tmp_path / "missing"))) == 0 and len(bank.load(None)) == 0
