"""One data-dir lookup (`mathbot.data`): MATHBOT_DATA_DIR, else beside the working directory, else beside
the checkout, else /work/shared/data; and the simulator and the demo both follow it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mathbot import data
from tests.support import processes
from tests.support.processes import mathbot_env
from tests.support.servers import free_port

OWN_PROBLEM = {
    "id": 7,
    "problem": "How many lattice points lie on the circle x^2 + y^2 = 2026?",
    "answer": 12,
}


def own_sets(folder: Path) -> Path:
    """A folder holding one problem set of our own, `own.jsonl`."""
    folder.mkdir(parents=True)
    rows = [{"id": 1, "problem": "What is 1 + 1?", "answer": 2}, OWN_PROBLEM]
    (folder / "own.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return folder


def test_the_configured_folder_is_the_only_one_looked_at(tmp_path: Path) -> None:
    sets = own_sets(tmp_path / "sets")
    assert data.data_dir(str(sets)) == sets
    assert data.candidates(str(sets)) == (sets,)
    assert data.data_dir(str(tmp_path / "missing")) is None  # never a silent fallback to another folder
    assert data.looked_in(str(tmp_path / "missing")) == f"MATHBOT_DATA_DIR={tmp_path / 'missing'}"


def test_unset_the_working_directory_comes_before_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "project" / "mathbot"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    cwd_sets = own_sets(tmp_path / "project" / "shared" / "data")
    assert data.candidates() == (cwd_sets, data.CHECKOUT.parent / "shared" / "data", data.WORK_DATA_DIR)
    assert data.data_dir() == cwd_sets
    monkeypatch.chdir(tmp_path)
    expected = next((c for c in data.candidates()[1:] if c.is_dir()), None)
    assert data.data_dir() == expected


def test_rows_and_set_names(tmp_path: Path) -> None:
    sets = own_sets(tmp_path / "sets")
    assert data.set_names(sets) == ["own"]
    assert data.rows(sets, "own")[1] == OWN_PROBLEM


def test_the_simulator_boxes_official_answers_from_mathbot_data_dir(tmp_path: Path) -> None:
    """Started anywhere (here: an empty folder, no ../shared/data), `mathbot sim` reads MATHBOT_DATA_DIR."""
    sets, cwd, port = own_sets(tmp_path / "sets"), tmp_path / "elsewhere", free_port()
    cwd.mkdir()
    env = mathbot_env({"MATHBOT_DATA_DIR": str(sets)})
    process = subprocess.Popen(
        [sys.executable, "-m", "mathbot.cli", "sim", "--port", str(port), "--tokens-per-second", "5000"],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        processes.wait_for(lambda: _healthy(url), 20, message="the simulator")
        body = {"messages": [{"role": "user", "content": OWN_PROBLEM["problem"]}], "stream": False}
        reply = httpx.post(url + "/v1/chat/completions", json=body, timeout=30).json()
    finally:
        processes.stop(process)
    assert "\\boxed{12}" in reply["choices"][0]["message"]["content"]


def test_the_simulator_refuses_a_data_dir_that_is_not_there(tmp_path: Path) -> None:
    for env, args in (({"MATHBOT_DATA_DIR": str(tmp_path / "nope")}, []), ({}, ["--data-dir", "nope"])):
        result = subprocess.run(
            [sys.executable, "-m", "mathbot.cli", "sim", "--port", str(free_port()), *args],
            env=mathbot_env(env),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.returncode == 2
        assert result.stdout.strip().endswith("is not a folder"), result.stdout + result.stderr
        assert "Traceback" not in result.stderr


def test_the_demo_asks_from_mathbot_data_dir(tmp_path: Path, redis_url: str) -> None:
    """The demo's problem, and the simulator's official answer, come from MATHBOT_DATA_DIR."""
    sets, cwd = own_sets(tmp_path / "sets"), tmp_path / "elsewhere"
    cwd.mkdir()
    env = mathbot_env({"MATHBOT_DATA_DIR": str(sets), "REDIS_URL": redis_url})
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mathbot.cli",
            "demo",
            *("--set", "own", "--id", "7", "--tokens-per-second", "4000"),
        ],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"demo: asking: {OWN_PROBLEM['problem']}" in result.stderr
    assert "Final answer: 12" in result.stdout
    assert "demo: the official answer is 12" in result.stderr


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
