"""`mathbot check --answer X "PROBLEM"` end to end: a bank problem is graded against its official answer
with no generation; any other is solved MATHBOT_VOTE_SAMPLES times by a worker (the simulator) and the
verdict is about the majority's answer. The answer itself never reaches stdout or stderr."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bots.console.check import EXIT_CORRECT, EXIT_NO_VERDICT, EXIT_UNSURE, EXIT_WRONG, check
from bots.console.texts import EXIT_BAD_INPUT
from mathbot import prompt
from mathbot.settings import Settings
from mathbot.sim.script import hashed_answer
from mathbot.study import texts
from tests.conftest import DATA_DIR, NO_DATA, settings_env
from tests.support import processes
from tests.support.servers import ThreadedApp

pytestmark = pytest.mark.skipif(not DATA_DIR.is_dir(), reason=NO_DATA)

OWN_PROBLEM = (
    "A study group of $n$ friends shares $n^2 + 3n$ pencils equally among $n + 3$ boxes. "
    "How many pencils are in each box when $n = 12$?"
)
"""Not in the bank: the simulator boxes a stand-in answer derived from the prompt's text."""


ALL_AGREE = r"All [3-5] samples agree"  # a vote decided early stops the samples that cannot change it


def stand_in(problem: str) -> str:
    """What the simulator boxes for a problem it does not know (derived from the user's message)."""
    return hashed_answer(f"{problem}\n\n{prompt.INSTRUCTION}")


@pytest.fixture
def env(redis_url: str, sim: ThreadedApp) -> dict[str, str]:
    return settings_env(redis_url, sim.url, MATHBOT_PROBLEM_BANK=str(DATA_DIR), MATHBOT_SEED="11")


def aime_2025(problem_id: int) -> dict:
    rows = [json.loads(line) for line in (DATA_DIR / "aime_2025.jsonl").read_text().splitlines()]
    return next(r for r in rows if r["id"] == problem_id)


def run_check(problem: str, answer: str, settings: Settings) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = check(problem, answer, settings, timeout=60, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def generations(sim: ThreadedApp) -> int:
    return int(httpx.get(sim.url + "/_sim/stats").json()["generations_started"])


def test_a_bank_problem_is_graded_against_its_official_answer_without_generating(
    settings: Settings, sim: ThreadedApp
) -> None:
    problem = aime_2025(1)["problem"]  # official answer 70
    code, out, err = run_check(problem, "70", settings)
    assert code == EXIT_CORRECT, err
    assert out.startswith(texts.CORRECT) and "AIME 2025 #1" in out
    code, out, err = run_check("Problem 1. " + problem, "\\frac{140}{2}", settings)
    assert code == EXIT_CORRECT, (out, err)  # compared as mathematics, found inside a longer paste
    code, out, err = run_check(problem, "71", settings)
    assert code == EXIT_WRONG
    assert out.startswith(texts.WRONG_OFFICIAL)
    assert "70" not in out + err  # never the answer
    assert generations(sim) == 0


def test_another_problem_is_checked_against_the_majority_of_five_samples(
    settings: Settings, sim: ThreadedApp, worker: object
) -> None:
    right = stand_in(OWN_PROBLEM)
    code, out, err = run_check(OWN_PROBLEM, right, settings)
    assert code == EXIT_CORRECT, (out, err)
    assert re.search(ALL_AGREE, out)
    assert generations(sim) == 5
    wrong = str(int(right) + 1)
    code, out, err = run_check(OWN_PROBLEM, wrong, settings)
    assert code == EXIT_WRONG, (out, err)
    assert out.startswith(texts.WRONG_VOTE) and texts.vote_matches(0, 5) in out
    assert right not in out.replace(texts.your_answer(wrong), "")  # nothing but the asker's own answer
    assert "thinking" in err and "simulated" not in err.lower()  # progress, but none of the model's words


def test_no_clear_majority_is_unsure(settings: Settings, sim: ThreadedApp, worker: object) -> None:
    httpx.post(sim.url + "/_sim/faults", json={"accuracy": 0.0}).raise_for_status()
    code, out, err = run_check(OWN_PROBLEM, stand_in(OWN_PROBLEM), settings)
    assert code == EXIT_UNSURE, (out, err)
    assert out.startswith(texts.UNSURE) and "No clear majority" in out


def test_bad_input_and_the_command_line(settings: Settings, env: dict[str, str], tmp_path: Path) -> None:
    assert run_check(aime_2025(1)["problem"], "  ", settings)[0] == EXIT_BAD_INPUT
    assert run_check("", "5", settings)[0] == EXIT_BAD_INPUT
    done = subprocess.run(
        [sys.executable, "-m", "mathbot.cli", "check", "--answer", "588", aime_2025(2)["problem"]],
        env=processes.mathbot_env(env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == EXIT_CORRECT, done.stderr
    assert done.stdout.startswith(texts.CORRECT)


def test_no_worker_means_no_verdict_within_the_timeout(settings: Settings) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = check(OWN_PROBLEM, "5", settings, timeout=1.5, out=out, err=err)
    assert code == EXIT_NO_VERDICT
    assert "no verdict within" in err.getvalue() and "cancelled" in err.getvalue()
