"""The pipeline end to end: `mathbot ask` → Redis/RQ → a separate worker process → the TGI simulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.console.ask import EXIT_ANSWERED, EXIT_BAD_INPUT, EXIT_FAILED, EXIT_TRUNCATED
from mathbot import messages
from mathbot.settings import Settings
from tests.support import processes
from tests.support.ask import run_ask
from tests.support.data import DATA_DIR, NO_DATA, aime
from tests.support.env import settings_env
from tests.support.servers import free_port
from tests.support.sim import Sim

pytestmark = pytest.mark.skipif(not DATA_DIR.is_dir(), reason=NO_DATA)


def chat_requests(sim: Sim) -> int:
    return int(sim.stats()["requests"].get("/v1/chat/completions", 0))


def test_a_question_is_answered_with_a_marked_final_answer(settings, sim, worker) -> None:
    problem = aime(1)
    code, out, err = run_ask(problem["problem"], settings)
    assert code == EXIT_ANSWERED, err
    final_line = next(line for line in out.splitlines() if line.startswith("Final answer"))
    assert str(problem["answer"]) in final_line
    assert "simulated" in out.lower()  # the simulator says so in its text
    assert "Traceback" not in err


def test_progress_is_reported_while_generating(settings, sim, worker) -> None:
    sim.faults(tokens_per_second=300)
    code, out, err = run_ask(aime(2)["problem"], settings)
    assert code == EXIT_ANSWERED, err
    lines = err.splitlines()
    assert lines[0] == messages.queued(1)  # the same words as on Slack and Discord
    counts = [int(line.split(" · ")[1].split()[0].replace(",", "")) for line in lines if " tokens · " in line]
    assert len(counts) >= 3, lines
    assert counts == sorted(counts) and counts[-1] > counts[0]
    assert any(line.startswith("thinking") for line in lines)


def test_overloaded_twice_then_answered(settings, sim, worker) -> None:
    sim.faults(overloaded=2)
    code, out, err = run_ask(aime(3)["problem"], settings)
    assert code == EXIT_ANSWERED, err
    assert "overloaded" in err and "Retrying" in err
    assert chat_requests(sim) == 3


def test_server_down_fails_with_one_line(redis_url, tmp_path: Path, monkeypatch) -> None:
    env = settings_env(redis_url, f"http://127.0.0.1:{free_port()}", MATHBOT_SERVER_RETRIES="1")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    process = processes.start(["worker"], env, log=tmp_path / "worker.log")
    try:
        code, out, err = run_ask("What is 1+1?", Settings(_env_file=None))  # type: ignore[call-arg]
    finally:
        processes.stop(process)
    assert code == EXIT_FAILED
    final = err.strip().splitlines()[-1]
    assert final.startswith("mathbot: ") and "not reachable" in final and "tried 2 times" in final
    assert out == ""
    assert "Traceback" not in err


def test_oversized_question_is_refused_before_any_generation(settings, sim, worker) -> None:
    question = "Compute the sum of the numbers " + ", ".join(str(n) for n in range(9000)) + "."
    assert len(question) < 60_000  # under the cheap character guard: the token count refuses it
    code, out, err = run_ask(question, settings)
    assert code == EXIT_BAD_INPUT
    assert "too long" in err and "12,288" in err
    assert chat_requests(sim) == 0


def test_truncated_answer_is_reported_as_truncated(settings, sim, worker) -> None:
    sim.faults(no_answer=True)
    code, out, err = run_ask(aime(4)["problem"], settings)
    assert code == EXIT_TRUNCATED
    assert "ran out of room" in out
    assert not any(line.startswith("Final answer:") for line in out.splitlines())


def test_absurd_paste_is_refused_before_queueing(settings) -> None:
    code, out, err = run_ask("x " * 40_000, settings)
    assert code == EXIT_BAD_INPUT
    assert "79,999 characters" in err and "60,000" in err


def test_empty_question_is_refused_at_once(settings) -> None:
    code, out, err = run_ask("   ", settings)
    assert code == EXIT_BAD_INPUT
    assert "no problem" in err
