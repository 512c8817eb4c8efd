"""Majority voting end to end: `mathbot ask --samples N` → one job → N streams → the majority's answer."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bots.console.ask import EXIT_ANSWERED, EXIT_BAD_INPUT, ask
from mathbot.settings import Settings
from tests.conftest import DATA_DIR, NO_DATA, settings_env
from tests.support import processes
from tests.support.servers import ThreadedApp

pytestmark = pytest.mark.skipif(not DATA_DIR.is_dir(), reason=NO_DATA)

SEED = 121
"""With the simulator at accuracy 0.5, seeds 121-125 box 105, 70, 81, 70, 70 for AIME 2025 #1
(official answer 70): the first sample alone is wrong, the majority of five is right."""


def aime_2025_1() -> str:
    return json.loads((DATA_DIR / "aime_2025.jsonl").read_text().splitlines()[0])["problem"]


@pytest.fixture
def seeded(redis_url: str, sim: ThreadedApp, tmp_path: Path, monkeypatch) -> Iterator[Settings]:
    """A worker with a fixed base seed, and the simulator wrong half of the time."""
    httpx.post(sim.url + "/_sim/faults", json={"accuracy": 0.5})
    env = settings_env(redis_url, sim.url, MATHBOT_SEED=str(SEED))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    process = processes.start(["worker"], env, log=tmp_path / "worker.log")
    yield Settings(_env_file=None)  # type: ignore[call-arg]
    processes.stop(process)


def run_ask(settings: Settings, samples: int) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = ask(aime_2025_1(), settings, timeout=90, samples=samples, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def final_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("Final answer"))


def test_the_majority_of_five_samples_corrects_a_wrong_first_sample(seeded: Settings, sim) -> None:
    code, out, err = run_ask(seeded, samples=1)
    assert code == EXIT_ANSWERED, err
    assert final_line(out) == "Final answer: 105"  # one sample, and it is wrong

    httpx.delete(sim.url + "/_sim/stats")
    code, out, err = run_ask(seeded, samples=5)
    assert code == EXIT_ANSWERED, err
    assert final_line(out) == "Final answer: 70"
    assert "3 of 5 samples agree; other answers: 105 (1), 81 (1)." in out
    assert "in 5 samples" in out  # the token count covers all of them
    stats = httpx.get(sim.url + "/_sim/stats").json()
    assert stats["requests"]["/v1/chat/completions"] == 5
    assert stats["max_in_flight"] >= 2  # the samples run at once, not one after another
    progress = [line for line in err.splitlines() if "Samples:" in line]
    assert any("Samples: 5 of 5 done" in line for line in progress), err


def test_a_sample_that_runs_out_of_room_is_left_out_of_the_vote(
    redis_url: str, sim: ThreadedApp, tmp_path: Path, monkeypatch
) -> None:
    env = settings_env(
        redis_url,
        sim.url,
        MATHBOT_MAX_TOTAL_TOKENS="5000",
        MATHBOT_MIN_ANSWER_TOKENS="4000",
        MATHBOT_RESCUE_RESERVE="0",  # no budget forcing: the sample stays without an answer
    )
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    httpx.post(sim.url + "/_sim/faults", json={"no_answer": 1})
    process = processes.start(["worker"], env, log=tmp_path / "worker.log")
    try:
        code, out, err = run_ask(Settings(_env_file=None), samples=3)  # type: ignore[call-arg]
    finally:
        processes.stop(process)
    assert code == EXIT_ANSWERED, err
    assert final_line(out) == "Final answer: 70"
    assert "2 of 3 samples agree (1 gave no final answer)." in out


def test_a_sample_concluded_by_budget_forcing_counts_in_the_vote(
    redis_url: str, sim: ThreadedApp, tmp_path: Path, monkeypatch
) -> None:
    env = settings_env(
        redis_url,
        sim.url,
        MATHBOT_MAX_TOTAL_TOKENS="5000",
        MATHBOT_MIN_ANSWER_TOKENS="4000",
        MATHBOT_RESCUE_RESERVE="1024",
    )
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    httpx.post(sim.url + "/_sim/faults", json={"no_answer": 1})
    process = processes.start(["worker"], env, log=tmp_path / "worker.log")
    try:
        code, out, err = run_ask(Settings(_env_file=None), samples=3)  # type: ignore[call-arg]
    finally:
        processes.stop(process)
    assert code == EXIT_ANSWERED, err
    assert final_line(out) == "Final answer: 70"
    assert "All 3 samples agree." in out
    stats = httpx.get(sim.url + "/_sim/stats").json()
    assert stats["requests"]["/generate_stream"] == 1  # the one rescued sample's conclusion


def test_more_samples_than_allowed_is_refused_before_queueing(settings: Settings) -> None:
    code, out, err = run_ask(settings, samples=settings.max_samples + 1)
    assert code == EXIT_BAD_INPUT
    assert "at most 8" in err and out == ""
