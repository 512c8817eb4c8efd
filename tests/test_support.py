"""The test suite's own helpers: `assert_quiet` fails when something happens, and the automatic
`integration` marker tells unit tests from the rest."""

from __future__ import annotations

import subprocess
import threading
import time

import pytest

from tests.conftest import reaches_integration
from tests.support import processes
from tests.support.waiting import assert_quiet


def later(seconds: float, action: object) -> None:
    threading.Timer(seconds, action).start()  # type: ignore[arg-type]


def test_a_probe_that_stays_the_same_passes_and_returns_its_value() -> None:
    started = time.monotonic()
    assert assert_quiet(lambda: [1, 2], 0.3) == [1, 2]
    assert time.monotonic() - started >= 0.3, "it watches the whole time"


def test_a_probe_that_changes_fails_at_once() -> None:
    seen: list[int] = []
    later(0.1, lambda: seen.append(1))
    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"\[\] became \[1\]"):
        assert_quiet(lambda: list(seen), 5.0, "a late call")
    assert time.monotonic() - started < 2.0


def test_a_condition_must_hold_from_the_start_and_all_along() -> None:
    with pytest.raises(AssertionError, match="not so from the start"):
        assert_quiet(lambda: False, 0.1)
    answers: list[str] = []
    later(0.1, lambda: answers.append("late"))
    with pytest.raises(AssertionError, match="no longer so"):
        assert_quiet(lambda: not answers, 5.0, "nothing answered")
    assert assert_quiet(lambda: True, 0.1) is True


def test_unit_tests_are_not_marked_integration(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("integration") is None


def test_a_test_with_redis_is_marked_integration(redis_url: str, request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("integration") is not None


def starts_a_worker() -> None:
    processes.start(["worker"], {})


def runs_a_command() -> None:
    subprocess.run(["true"], check=True)


def calls_a_helper_that_starts_one() -> None:
    starts_a_worker()


def pure() -> None:
    assert sorted([2, 1]) == [1, 2]


CALLERS = {
    "starts a worker": (starts_a_worker, True),
    "runs a command": (runs_a_command, True),
    "calls a helper that starts one": (calls_a_helper_that_starts_one, True),
    "runs one in a lambda": (lambda: processes.run(["--help"], {}), True),
    "is pure": (pure, False),
}
"""Functions a test might be, and whether they reach a real process (looked up through this table, so
that the test below names none of them and stays a unit test itself)."""


@pytest.mark.parametrize("name", CALLERS)
def test_what_a_test_calls_decides_when_no_fixture_does(name: str, request: pytest.FixtureRequest) -> None:
    function, integration = CALLERS[name]
    assert reaches_integration(function, set()) == integration  # type: ignore[arg-type]
    assert request.node.get_closest_marker("integration") is None
