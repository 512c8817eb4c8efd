"""`mathbot ask`'s live status on stderr: one line redrawn in place on a terminal, plain lines otherwise.

On a terminal the line is fitted to the terminal's width (read at every redraw, so a resize is
followed), never wraps (a wrapped line cannot be erased in place: each update would leave a stale one
behind), and is redrawn several times a second with a spinner and a clock that counts from the moment
of asking, whether or not the worker has sent news. Anywhere else (a pipe, a file, a CI log) each
change is one plain line, with no control characters and no spinner.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TextIO

from bots.console import layout, texts
from mathbot import present
from mathbot.outcome import Progress

FALLBACK_COLUMNS = 80
"""Width assumed when a terminal does not say its own."""


class StatusLine:
    """The status of one question: `show` progress, `say` a message, `tick` to redraw the clock."""

    def __init__(self, stream: TextIO, asked: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream, self.tty = stream, stream.isatty()
        self.asked, self.clock = asked, clock
        self.progress: Progress | None = None
        self.message = ""
        self.frame = 0
        self.last = ""

    def show(self, progress: Progress) -> None:
        """The worker's latest news (its clock is replaced by the time since asking)."""
        self.progress, self.message = progress, ""
        self._draw()

    def say(self, message: str) -> None:
        """A message of the console's own in place of progress (e.g. that no worker is running)."""
        self.progress, self.message = None, message
        self._draw()

    def tick(self) -> None:
        """Redraw: on a terminal the spinner turns and the clock moves; elsewhere nothing is written."""
        if self.tty:
            self.frame += 1
            self._draw()

    def done(self) -> None:
        """Leave the last status on screen and move below it."""
        if self.tty and self.last:
            self.stream.write("\n")
            self.stream.flush()
        self.last = ""

    def line(self, width: int) -> str:
        """The status now, at most `width` characters. The clock counts from the moment of asking; plain
        lines show it only where the worker sent one (a line that is never redrawn needs no 0:00)."""
        elapsed = max(self.clock() - self.asked, 1e-3)
        if self.progress is not None:
            clock = elapsed if self.tty or self.progress.elapsed else 0.0
            return layout.progress_line(replace(self.progress, elapsed=clock), width)
        if not self.tty:
            return present.clip(self.message, width)
        return present.clip(f"{self.message}{texts.STYLE.separator}{present.duration(elapsed)}", width)

    def _draw(self) -> None:
        if not self.tty:
            text = " ".join(self.line(texts.STYLE.limit).split())
            if text != self.last:
                self.stream.write(text + "\n")
                self.stream.flush()
                self.last = text
            return
        spinner = texts.SPINNER[self.frame % len(texts.SPINNER)]
        # One column short of the width: a line filling the last column makes some terminals wrap.
        text = " ".join(self.line(self._columns() - 3).split())
        self.stream.write(f"\r\x1b[2K{spinner} {text}")
        self.stream.flush()
        self.last = text

    def _columns(self) -> int:
        try:
            return os.get_terminal_size(self.stream.fileno()).columns or FALLBACK_COLUMNS
        except (OSError, ValueError, AttributeError):
            return FALLBACK_COLUMNS
