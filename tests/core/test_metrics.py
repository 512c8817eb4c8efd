"""The metrics module: refusal reasons and retry causes, chat API labels, and the multiprocess files of a
worker's processes folded together once the processes are gone, totals unchanged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.multiprocess import MultiProcessCollector

from bots.discord.telemetry import route
from bots.slack.telemetry import method_of
from mathbot import errors, messages, metrics
from tests.support.processes import ROOT

RECORD = """
import sys
from mathbot import metrics
metrics.question("console", "answered")
metrics.generated(42.0, 1000)
metrics.retried(metrics.errors.ServerOverloaded("busy"))
metrics.stream_opened("http://user:pw@gpu-1:8000")  # never closed: killed mid-generation
if sys.argv[1] == "live":
    print("ready", flush=True)
    sys.stdin.read()
"""


def totals(directory: Path) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    collector = MultiProcessCollector(None, path=str(directory))
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in collector.collect()
        for s in family.samples
    }


def test_dead_processes_files_are_folded_and_the_totals_stay(tmp_path: Path) -> None:
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    for _ in range(3):  # three finished work horses
        subprocess.run([sys.executable, "-c", RECORD, "dead"], env=env, check=True, timeout=60)
    live = subprocess.Popen(
        [sys.executable, "-c", RECORD, "live"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert live.stdout is not None and live.stdout.readline() == "ready\n"
        before = totals(tmp_path)
        answered = ("mathbot_questions_total", (("outcome", "answered"), ("platform", "console")))
        in_flight = ("mathbot_inference_in_flight", (("server", "http://user:[redacted]@gpu-1:8000"),))
        assert before[answered] == 4.0 and before[in_flight] == 4.0

        assert metrics.compact(str(tmp_path)) == 3 * 3  # counter, histogram and live gauge files of each
        after = totals(tmp_path)
        assert after[in_flight] == 1.0  # the dead processes' generations are over
        assert {k: v for k, v in after.items() if "in_flight" not in k[0]} == {
            k: v for k, v in before.items() if "in_flight" not in k[0]
        }
        assert after[("mathbot_server_retries_total", (("cause", "overloaded"),))] == 4.0
        assert after[("mathbot_generation_seconds_count", ())] == 4.0
        assert after[("mathbot_generation_seconds_sum", ())] == 4 * 42.0
        names = sorted(p.name for p in tmp_path.iterdir())
        assert names == sorted(
            [
                "counter_dead.db",
                "histogram_dead.db",
                f"counter_{live.pid}.db",
                f"histogram_{live.pid}.db",
                f"gauge_livesum_{live.pid}.db",
            ]
        )
        assert metrics.compact(str(tmp_path)) == 0  # nothing more to fold while the live one lives
    finally:
        live.kill()
        live.wait()
    assert metrics.compact(str(tmp_path)) == 3
    assert totals(tmp_path)[answered] == 4.0


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (errors.EmptyQuestion(), "empty"),
        (errors.QuestionTooLong(20_000, 12_288), "too_long"),
        (errors.Busy(messages.BUSY), "queue_full"),
        (errors.LimitReached("…", detail="user_per_hour"), "user_per_hour"),
        (errors.InputError("…", detail="too_many_samples"), "too_many_samples"),
        (errors.InputError("…", detail="a detail for the log: not a name"), "bad_input"),
        (errors.QueueError(messages.QUEUE_DOWN, detail="ConnectionError"), "queue_unavailable"),
    ],
)
def test_refusal_reasons(error: errors.MathbotError, reason: str) -> None:
    assert metrics.reason(error) == reason


def test_retry_causes() -> None:
    budget = errors.BudgetRejected("…", prompt_tokens=13_000, max_total=16_384)
    assert [
        metrics.retry_cause(e)
        for e in (
            errors.ServerOverloaded("…"),
            errors.ServerTimeout("…"),
            errors.ServerUnavailable("…"),
            budget,
        )
    ] == ["overloaded", "timeout", "unavailable", "length"]


def test_chat_api_labels_carry_no_ids_or_tokens() -> None:
    token = "aW50ZXJhY3Rpb246MTMwMDAwMDAwMDAwMDAwMDAxMTpBYmNk"
    assert route("post", f"/api/v10/interactions/1300000000000000011/{token}/callback") == (
        "POST /interactions/{id}/{token}/callback"
    )
    assert route("PATCH", "/channels/1300000000000000001/messages/1300000000000000002") == (
        "PATCH /channels/{id}/messages/{id}"
    )
    assert route("PUT", "/api/v10/applications/1300000000000000003/commands?with_localizations=true") == (
        "PUT /applications/{id}/commands"
    )
    assert method_of("https://slack.com/api/chat.update") == "chat.update"
    assert method_of("http://127.0.0.1:4000/api/files.completeUploadExternal?x=1") == (
        "files.completeUploadExternal"
    )


PREPARE = """
import os, sys
from mathbot import multiproc
print(multiproc.prepare(sys.argv[1]), os.environ.get(multiproc.ENV))
"""


def prepare(command: str, env: dict[str, str]) -> list[str]:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", **env}
    done = subprocess.run([sys.executable, "-c", PREPARE, command], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_a_worker_gets_a_clean_metrics_directory_and_nobody_else_uses_one(tmp_path: Path) -> None:
    made, exported = prepare("worker", {})
    assert made == exported and made.startswith("/") and not Path(made).exists()  # removed at exit
    stale = tmp_path / "counter_12345.db"
    stale.write_bytes(b"\0" * 64)
    assert prepare("worker", {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}) == [str(tmp_path)] * 2
    assert tmp_path.is_dir() and not stale.exists()  # a previous run's values are gone, the folder stays
    for command in ("slack", "discord", "ask"):
        assert prepare(command, {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}) == ["None", "None"]
