"""`mathbot ask` for tests: the console adapter, run in the test's process with the test's settings."""

from __future__ import annotations

import io
from typing import NamedTuple

from bots.console.ask import ask
from mathbot.settings import Settings


class Asked(NamedTuple):
    """What `mathbot ask` ended with: its exit code, stdout (the answer) and stderr (progress, errors)."""

    code: int
    out: str
    err: str


def run_ask(question: str, settings: Settings, *, samples: int = 1, timeout: float = 60) -> Asked:
    """Ask `question` through the queue (a worker must be running) and wait at most `timeout` seconds."""
    out, err = io.StringIO(), io.StringIO()
    code = ask(question, settings, timeout=timeout, samples=samples, out=out, err=err)
    return Asked(code, out.getvalue(), err.getvalue())
