"""Kills that overlap, through the real chat adapters: a worker SIGKILLed mid-answer (not its work
horse), and storms of random horse and worker kills across several pools (`tests/faults/storm.py`).

Every thread must end showing its answer, or, for a question whose runs were killed more often than
mathbot restarts one, the plain "stopped unexpectedly" error: none left showing progress, none lost,
none answered twice.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from mathbot import messages, queue
from mathbot.settings import Settings
from tests.conftest import require_data
from tests.faults.chat_sides import DiscordSide
from tests.faults.storm import Storm, horses_of, problems, run_storm
from tests.support import processes
from tests.support.servers import ThreadedApp


@pytest.fixture
def discord(redis_url: str, sim: ThreadedApp, tmp_path: Path) -> Iterator[tuple[DiscordSide, dict[str, str]]]:
    require_data()
    chat = DiscordSide()
    env = chat.env(redis_url, sim.url, MATHBOT_PROGRESS_INTERVAL="0.5")
    try:
        chat.start(env, tmp_path)
        yield chat, env
    finally:
        chat.stop()


def test_a_worker_killed_mid_answer_takes_its_horse_along_and_the_question_is_answered_once(
    discord: tuple[DiscordSide, dict[str, str]],
    sim: ThreadedApp,
    settings: Settings,
    redis_conn,
    tmp_path: Path,
) -> None:
    """SIGKILL of the worker alone: its horse dies with it (PR_SET_PDEATHSIG), so no orphan goes on
    editing; another worker starts the question over once, and its answer is the thread's last word."""
    chat, env = discord
    httpx.post(sim.url + "/_sim/faults", json={"tokens_per_second": 40}).raise_for_status()
    first = processes.start(["worker"], env, log=tmp_path / "first.log")
    second = None
    try:
        ((problem, answer),) = problems(1)
        thread = chat.ask(1, problem)
        processes.wait_for(
            lambda: " tokens · " in chat.look(thread).text and horses_of(first.pid),
            timeout=30,
            message="the answer under way",
        )
        second = processes.start(["worker"], env, log=tmp_path / "second.log")
        processes.wait_for(lambda: queue.workers_alive(settings, redis_conn) == 2, timeout=30)
        (horse,) = horses_of(first.pid)
        os.kill(first.pid, signal.SIGKILL)  # the worker only: its horse is not killed by the test
        processes.wait_for(
            lambda: processes.gone(horse), timeout=5, message="the orphaned horse to die with its worker"
        )
        httpx.post(sim.url + "/_sim/faults", json={"tokens_per_second": 2000}).raise_for_status()
        processes.wait_for(
            lambda: chat.look(thread).shows in ("answer", "error"),
            timeout=150,
            interval=0.5,
            message="the thread's last word",
        )
        settled = chat.look(thread)
        time.sleep(3.0)  # a late edit (an orphan's progress, a second answer) would show now
    finally:
        processes.stop(first, signal.SIGKILL)
        if second is not None:
            processes.stop(second)
    shown = chat.look(thread)
    assert shown == settled
    assert shown.shows == "answer" and shown.final == answer, shown
    assert shown.answer_edits == 1
    assert httpx.get(sim.url + "/_sim/stats").json()["generations_started"] == 2, "restarted once"
    restarted = [
        c
        for c in chat.fake.calls
        if c.method == "PATCH" and isinstance(c.json, dict) and messages.WORKER_RESTARTED in str(c.json)
    ]
    assert len(restarted) == 1, "the asker heard once that it starts over"


SHORT = Storm(
    pools=2, workers=2, questions=4, seconds=30, gap=(4.0, 8.0), tokens_per_second=60, reasoning_tokens=1500
)
"""About two minutes a platform: answers of ~30 s, 30 s of kills, then a lost worker's ~45 s."""


@pytest.mark.parametrize("platform", ["discord", "slack"])
def test_a_short_kill_storm_leaves_every_thread_with_its_last_word(
    platform: str, redis_url: str, tmp_path: Path
) -> None:
    require_data()
    outcome = run_storm(replace(SHORT, platform=platform), redis_url, tmp_path)
    print(outcome.report())
    assert any(kill.question for kill in outcome.kills), "some kill hit a question mid-answer"
    assert outcome.problems() == [], outcome.report()


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("platform", ["discord", "slack"])
def test_the_kill_storm_of_issue_13(platform: str, redis_url: str, tmp_path: Path) -> None:
    """2 pools x 3 workers, 8 questions, 75 s of kills every 3-7 s, answers of about a minute."""
    require_data()
    outcome = run_storm(Storm(platform), redis_url, tmp_path)
    print(outcome.report())
    assert sum(1 for kill in outcome.kills if kill.question) >= 4
    assert outcome.problems() == [], outcome.report()
