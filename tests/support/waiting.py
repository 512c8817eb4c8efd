"""Waiting in tests without fixed sleeps: until something happens (`wait_for`), or for a while in which
nothing more may happen (`assert_quiet`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

POLL = 0.05
"""Seconds between two looks."""


def wait_for(predicate, timeout: float = 30, interval: float = 0.1, message: str = "condition"):  # type: ignore[no-untyped-def]
    """Poll until predicate() is truthy; returns its value or fails the test with `message`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {message}")


def assert_quiet(probe: Callable[[], T], seconds: float, message: str = "") -> T:
    """Watch for `seconds` that nothing more happens, looking every few hundredths of a second.

    `probe` is either a condition (it returns a bool), which must hold at once and all along, or a
    probe of any other value (a count of calls, a list of messages), which must not change from what
    it returned first. Either way the test fails at the first look that breaks it, saying what was
    seen. Returns the last value, for the assertions that follow.
    """
    first = probe()
    if isinstance(first, bool) and not first:
        raise AssertionError(f"not so from the start: {message or probe}")
    deadline = time.monotonic() + seconds
    while True:
        time.sleep(min(POLL, max(0.0, deadline - time.monotonic())))
        now = probe()
        if now != first:
            seen: Any = "no longer so" if isinstance(first, bool) else f"{first!r} became {now!r}"
            raise AssertionError(f"something happened within {seconds} s ({message or probe}): {seen}")
        if time.monotonic() >= deadline:
            return now
