"""`mathbot demo` (the README quickstart): the whole pipeline on one machine, leaving others' work alone."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from mathbot import demo, queue
from mathbot.jobs import Question, ReplyTarget, Turn
from mathbot.sim.problems import ProblemBank
from tests.support import processes
from tests.support.env import settings_env


def test_without_the_shared_data_the_simulator_still_knows_the_demo_problem(tmp_path: Path) -> None:
    with ExitStack() as stack:
        folder = demo.sim_data_dir([tmp_path / "missing"], demo.FALLBACK_PROBLEM, stack)
        assert folder is not None
        known = ProblemBank.from_dir(folder).find(str(demo.FALLBACK_PROBLEM["problem"]))
        assert known is not None and (known.source, known.id, known.answer) == ("aime_2025", "1", "70")
    assert demo.sim_data_dir([tmp_path], demo.FALLBACK_PROBLEM, ExitStack()) == str(tmp_path)
    assert demo.sim_data_dir([tmp_path / "missing"], {"problem": "x", "answer": None}, ExitStack()) is None


def test_demo_answers_on_a_queue_of_its_own(settings, redis_conn) -> None:
    """Run against a Redis that also holds a real question: the demo's worker must not take it."""
    real = Question(
        target=ReplyTarget(platform="console", channel="real"), turns=[Turn(role="user", content="2+2?")]
    )
    queue.enqueue(real, settings, redis_conn)
    env = settings_env(settings.redis_url, "http://127.0.0.1:9")
    del env["TGI_URL"]
    result = processes.run(["demo", "--tokens-per-second", "2000"], env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Final answer" in result.stdout
    assert queue.question_queue(settings, redis_conn).job_ids == [real.id]


def test_demo_leaves_a_shared_redis_as_it_found_it(settings, redis_conn) -> None:
    """Nothing of the demo's stays behind: not its queue, its jobs and results, its question's keys, nor
    its worker's registration; someone else's question is untouched."""
    real = Question(
        target=ReplyTarget(platform="console", channel="real"), turns=[Turn(role="user", content="2+2?")]
    )
    queue.enqueue(real, settings, redis_conn)
    before = {key: redis_conn.type(key) for key in redis_conn.keys("*")}
    queues_before = redis_conn.smembers("rq:queues")
    env = settings_env(settings.redis_url, "http://127.0.0.1:9")
    del env["TGI_URL"]
    result = processes.run(["demo", "--tokens-per-second", "2000"], env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Final answer" in result.stdout
    after = {key: redis_conn.type(key) for key in redis_conn.keys("*")}
    assert after == before, sorted(set(after) ^ set(before))
    assert redis_conn.smembers("rq:queues") == queues_before
    assert not redis_conn.keys("*demo*")
