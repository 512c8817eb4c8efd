"""`mathbot eval` end to end: the workers answer every sample, and the scores are exactly the known ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.eval.conftest import EXPECTED_CURVE, EXPECTED_GRADES, EXPECTED_ROW, run_eval, stored
from tests.support import processes
from tests.support.sim import Sim


def test_a_known_mix_scores_exactly_through_the_queue_and_the_workers(
    eval_env: dict[str, str], mix_file: Path, mix_sim: Sim, tmp_path: Path
) -> None:
    env = {**eval_env, "MATHBOT_EVAL_CONCURRENCY": "2"}
    workers = processes.start(["worker", "-n", "3"], env, log=tmp_path / "worker.log")
    out = tmp_path / "out"
    try:
        result = run_eval(env, str(mix_file), "--samples", "4", "--out", str(out))
    finally:
        processes.stop(workers)
    assert result.returncode == 0, result.stderr
    assert EXPECTED_ROW in result.stdout
    assert "mix: 3/3 problems · 12/12 samples · accuracy 58.3 %" in result.stderr  # plain progress lines

    graded = {(r["problem"], r["sample"]): r["correct"] for r in stored(out)}
    assert {p: [graded[(p, i)] for i in range(4)] for p in EXPECTED_GRADES} == EXPECTED_GRADES
    finals = {(r["problem"], r["sample"]): r["final"] for r in stored(out)}
    assert finals[("2", 3)] == "12 \\text{ meters}" and finals[("3", 0)] == "3, -5"  # units, several boxes

    summary = json.loads((out / "summary.json").read_text())
    (mix,) = summary["sets"]
    assert mix["pass_at_1"] == pytest.approx(7 / 12) and mix["cons_at_k"] == pytest.approx(2 / 3)
    assert mix["curve"] == pytest.approx(EXPECTED_CURVE)
    assert [row["majority"] for row in mix["per_problem"]] == ["70", "12", "3"]
    assert mix["answered"] == 12 and mix["tokens_mean"] > 0 and mix["wall_seconds"] > 0
    assert (out / "accuracy.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    stats = mix_sim.stats()
    assert stats["generations_started"] == 12  # every sample drawn, none twice, no vote stopped early
    assert stats["max_in_flight"] <= 2  # MATHBOT_EVAL_CONCURRENCY, with three workers free

    again = run_eval(env, str(mix_file), "--samples", "4", "--out", str(out))  # no worker needed
    assert again.returncode == 0 and EXPECTED_ROW in again.stdout
    assert mix_sim.stats()["generations_started"] == 12


def test_one_sample_by_default_and_a_limit(
    eval_env: dict[str, str], mix_file: Path, mix_sim: Sim, tmp_path: Path
) -> None:
    workers = processes.start(["worker"], eval_env, log=tmp_path / "worker.log")
    out = tmp_path / "out"
    try:
        result = run_eval(eval_env, str(mix_file), "--limit", "2", "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert "| mix | 2 | 2 (1 each) | 100.0 % | 100.0 % | 2 | 0 | 0 | 0 |" in result.stdout
        # a larger K in the same folder reuses the samples it has
        more = run_eval(eval_env, str(mix_file), "--limit", "2", "--samples", "2", "--out", str(out))
    finally:
        processes.stop(workers)
    assert more.returncode == 0, more.stderr
    assert "| mix | 2 | 4 (2 each) | 75.0 % |" in more.stdout  # 70, 70; 12 m, 13
    assert mix_sim.stats()["generations_started"] == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no_such_set"], "mathbot: There is no problem set named 'no_such_set'"),
        (["{tmp}/missing.jsonl"], "mathbot: Cannot use {tmp}/missing.jsonl: No such file or directory."),
        (["{tmp}/bad.jsonl"], "mathbot: Cannot use {tmp}/bad.jsonl:1: it needs a `problem` and an `answer`."),
        (["aime_2025", "--samples", "0"], "mathbot: --samples must be at least 1 (got 0)."),
    ],
)
def test_what_cannot_be_evaluated_is_refused_in_one_line(
    tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "bad.jsonl").write_text('{"problem": "no answer here"}\n')
    env = {
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "MATHBOT_DATA_DIR": str(tmp_path),
    }  # no Redis needed to refuse
    result = run_eval(env, *[a.format(tmp=tmp_path) for a in args], "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.startswith(message.format(tmp=tmp_path))
    assert result.stderr.count("\n") == 1 and result.stdout == ""
    assert not (tmp_path / "out").exists()


def test_a_folder_of_another_configuration_is_refused(
    eval_env: dict[str, str], mix_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "run.json").write_text(json.dumps({"run": "x", "configuration": {"model": "another/model"}}))
    result = run_eval(eval_env, str(mix_file), "--out", str(out))
    assert result.returncode == 2
    assert "holds samples drawn with another configuration (model 'another/model' there" in result.stderr
