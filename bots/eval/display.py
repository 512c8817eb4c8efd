"""The evaluation's progress on stderr: a live bar per set on a terminal, plain lines otherwise."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TextIO

from bots.eval import texts
from bots.eval.runner import Count
from mathbot.present import duration

PLAIN_SECONDS = 10.0
"""Without a terminal, a set's line is written when one of its problems completes, else at most this often."""


class Display:
    """Progress of every set: problems and samples done, accuracy so far, time left."""

    def __init__(
        self, stream: TextIO, counts: Sequence[Count], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stream, self.clock = stream, clock
        self.live = stream.isatty()
        self.shown: dict[str, tuple[int, int, float]] = {}
        """Per set (plain lines): problems and samples done at its last line, and when it was written."""
        self.progress = None
        if self.live:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[line]}"),
                TimeRemainingColumn(),
                console=Console(file=stream),
            )
            self.tasks = {
                c.name: self.progress.add_task(c.name, total=c.samples, completed=c.samples_done, line="")
                for c in counts
            }
        self.update(counts, None)

    def __enter__(self) -> Display:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.progress is not None:
            self.progress.stop()

    def update(self, counts: Sequence[Count], eta: float | None) -> None:
        for count in counts:
            if self.progress is not None:
                line = texts.progress_fields(count)
                self.progress.update(self.tasks[count.name], completed=count.samples_done, line=line)
            else:
                self._plain(count, eta)

    def note(self, text: str) -> None:
        if self.progress is not None:
            self.progress.console.print(text)
        else:
            print(text, file=self.stream, flush=True)

    def _plain(self, count: Count, eta: float | None) -> None:
        problems, samples, at = self.shown.get(count.name, (-1, -1, float("-inf")))
        now = self.clock()
        moved = count.samples_done != samples and now - at >= PLAIN_SECONDS
        if count.problems_done == problems and not moved:
            return
        self.shown[count.name] = (count.problems_done, count.samples_done, now)
        left = "–" if eta is None else duration(eta)
        print(f"{count.name}: {texts.progress_fields(count)} · ETA {left}", file=self.stream, flush=True)
