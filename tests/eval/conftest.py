"""`mathbot eval` against real workers and the simulator, on problems whose right/wrong mix is known.

The simulator boxes each problem's `sim_answers` in turn by seed, and an evaluation's sample i has seed
i (MATHBOT_SEED unset): the K = 4 samples of each problem below answer exactly as listed.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from mathbot.sim import SimConfig
from tests.support import processes
from tests.support import sim as simulator
from tests.support.env import settings_env
from tests.support.sim import Sim

MIX = [
    {
        "id": 1,
        "problem": "Find the sum of all integer bases b > 9 for which 17_b divides 97_b (evaluation mix 1).",
        "answer": 70,
        "sim_answers": ["70", "70", "105", "81"],
    },
    {
        "id": 2,
        "problem": "How long is the rope of the evaluation mix two, in meters, under the usual assumptions?",
        "answer": "12",
        "sim_answers": ["12\\,\\text{m}", "13", "12", "12 \\text{ meters}"],
    },
    {
        "id": 3,
        "problem": "Find every real x with x^2 + 2x - 15 = 0 (evaluation mix three), listing all the roots.",
        "answer": "3, -5",
        "sim_answers": [
            "\\boxed{3} \\text{ or } \\boxed{-5}",
            "\\boxed{3}",
            "\\boxed{-5}, \\boxed{3}",
            "\\boxed{3}",
        ],
    },
]
"""Graded per sample: #1 right, right, wrong, wrong; #2 (units) right, wrong, right, right; #3 (several
parts) right, wrong (one root), right (the other order), wrong. Majorities: 70 (right); the 12s, linked
through "12" (right); "3, -5" and "3" tie 2-2 and the tie goes to the integer 3 (wrong).

pass@1 = mean(2/4, 3/4, 2/4) = 7/12; cons@4 = 2/3; cons@k for k = 1..4 (all k-subsets):
#1: 1/2, 5/6, 1, 1; #2: 3/4, 1, 1, 1; #3: 1/2, 1/6, 1/2, 0 → the set: 7/12, 2/3, 5/6, 2/3."""

EXPECTED_CURVE = [7 / 12, 2 / 3, 5 / 6, 2 / 3]
EXPECTED_ROW = "| mix | 3 | 12 (4 each) | 58.3 % | 66.7 % | 12 | 0 | 0 | 0 |"
EXPECTED_GRADES = {
    "1": [True, True, False, False],
    "2": [True, False, True, True],
    "3": [True, False, True, False],
}


@pytest.fixture
def mix_file(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "mix.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in MIX))
    return path


@pytest.fixture
def mix_sim(mix_file: Path) -> Iterator[Sim]:
    """The simulator knowing the mix; 400 tokens/s a stream, so a sample takes about a second and a half."""
    app = simulator.start(
        SimConfig(tokens_per_second=400.0, reasoning_tokens=300, data_dir=str(mix_file.parent))
    )
    yield app
    app.stop()


@pytest.fixture
def eval_env(redis_url: str, mix_sim: Sim) -> dict[str, str]:
    return settings_env(redis_url, mix_sim.url)


def run_eval(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`mathbot eval ARGS`, to the end."""
    return processes.run(["eval", *args], env, timeout=timeout)


def start_eval(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    """`mathbot eval ARGS` in the background (its output in `log`)."""
    return processes.start(["eval", *args], env, log=log)


def stored(folder: Path, name: str = "mix") -> list[dict]:
    """The samples stored so far (a line being written is not one yet)."""
    path = folder / f"{name}.jsonl"
    rows = []
    for line in path.read_text().splitlines() if path.is_file() else []:
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows
