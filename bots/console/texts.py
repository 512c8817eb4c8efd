"""The console's texts, exit codes, and how shared words are decorated on a terminal (`STYLE`)."""

from __future__ import annotations

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
