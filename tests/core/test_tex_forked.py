"""The shared TeX scanner and the forked-child runner."""

from __future__ import annotations

import os
import time

import pytest

from mathbot import forked, tex


@pytest.mark.parametrize(
    ("text", "at", "inside"),
    [
        (r"\boxed{\frac{1}{2}} rest", 6, r"\frac{1}{2}"),
        (r"{a\}b}", 0, r"a\}b"),
        (r"{a\\}b}", 0, r"a\\"),
        (r"{\{}", 0, r"\{"),
        ("{never", 0, None),
        ("no brace", 0, None),
    ],
)
def test_group(text: str, at: int, inside: str | None) -> None:
    assert tex.group(text, at) == inside


def _double(x: int) -> int:
    return 2 * x


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _raise() -> None:
    raise ValueError("bad input")


def _pid() -> int:
    return os.getpid()


def test_call_returns_the_childs_result() -> None:
    assert forked.call(_double, 21, deadline=10) == 42
    assert forked.call(_pid, deadline=10) != os.getpid()


def test_call_kills_a_child_past_its_deadline() -> None:
    started = time.monotonic()
    with pytest.raises(forked.ChildFailed, match="no result within"):
        forked.call(_sleep, 30, deadline=0.5)
    assert time.monotonic() - started < 5


def test_call_reports_the_childs_exception() -> None:
    with pytest.raises(forked.ChildFailed, match="ValueError: bad input"):
        forked.call(_raise, deadline=10)
