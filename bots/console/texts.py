"""The console's texts, exit codes, and how shared words are decorated on a terminal (`STYLE`)."""

from __future__ import annotations

from pathlib import Path

from mathbot import present
from mathbot.errors import MathbotError

STYLE = present.Style(
    heading=str.lower, quote=lambda line: line, separator=" · ", limit=100, snippet_chars=60
)
"""One plain line: `thinking · 1,234 tokens · 0:42 · so the sum is …` (cut to the terminal's width)."""

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
"""Frames of the spinner before the live status line on a terminal (one per redraw)."""

RULE = "─" * 60
"""Between the solution and the final answer on stdout."""

EXIT_ANSWERED = 0
EXIT_FAILED = 1
"""The question could not be answered (server down, worker lost, ...)."""
EXIT_BAD_INPUT = 2
"""Empty or too long: asking the same again will not help."""
EXIT_TRUNCATED = 3
"""The model ran out of tokens before a final answer."""
EXIT_TIMEOUT = 4
"""No answer within --timeout (the question may still be answered later)."""
EXIT_INTERRUPTED = 130


def exit_code(error: MathbotError) -> int:
    """`mathbot ask`'s exit code for a question that failed with `error`."""
    return EXIT_FAILED if error.asking_again_helps else EXIT_BAD_INPUT


TOO_FEW_SAMPLES = "--samples must be at least 1."


def cannot_write(path: Path, why: str) -> str:
    """`--reasoning FILE` cannot be written (said before asking, when possible)."""
    return f"cannot write the reasoning to {path}: {why}."


def timed_out(timeout: float, uncancelled: str | None = None) -> str:
    """No answer within --timeout: the question is cancelled, so no worker keeps generating for nobody
    (`uncancelled`: the id of a question that could not be, Redis being away)."""
    wait = f"{timeout:.0f} s" if timeout < 120 else f"{timeout / 60:.3g} min"
    if uncancelled:
        return f"no answer within {wait}, and question {uncancelled} could not be cancelled (Redis is away)."
    return f"no answer within {wait}; the question was cancelled (--timeout SECONDS waits longer)."
