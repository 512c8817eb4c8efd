"""Multi-line text boxes for display math: side-by-side joins, grids and tall brackets."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

Align = Literal["l", "c", "r"]


def width(text: str) -> int:
    """Columns a string takes in a monospace font (combining marks take none)."""
    return sum(0 if unicodedata.combining(ch) else 1 for ch in text)


def _pad(text: str, size: int, align: Align = "l") -> str:
    gap = size - width(text)
    if gap <= 0:
        return text
    if align == "r":
        return " " * gap + text
    if align == "c":
        left = gap // 2
        return " " * left + text + " " * (gap - left)
    return text + " " * gap


@dataclass
class Box:
    """Lines of text with a baseline row, which is where inline neighbours line up."""

    lines: list[str]
    base: int = 0

    @property
    def width(self) -> int:
        return max((width(line) for line in self.lines), default=0)

    @property
    def height(self) -> int:
        return len(self.lines)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.lines)


def as_box(item: str | Box) -> Box:
    return item if isinstance(item, Box) else Box([item], 0)


def hconcat(items: list[str | Box]) -> Box:
    """Join boxes left to right, lining up their baselines."""
    boxes = [as_box(item) for item in items]
    above = max((b.base for b in boxes), default=0)
    below = max((b.height - 1 - b.base for b in boxes), default=0)
    lines = [""] * (above + below + 1)
    for box in boxes:
        size = box.width
        top = above - box.base
        for row in range(len(lines)):
            src = row - top
            cell = box.lines[src] if 0 <= src < box.height else ""
            lines[row] += _pad(cell, size)
    return Box(lines, above)


def vstack(items: list[str | Box], align: Align = "l") -> Box:
    """Stack boxes top to bottom; the baseline is the first row."""
    boxes = [as_box(item) for item in items]
    size = max((b.width for b in boxes), default=0)
    lines = [_pad(line, size, align) for b in boxes for line in b.lines]
    return Box(lines, 0)


def grid(
    rows: list[list[str | Box]], aligns: list[Align], seps: list[str], rules: set[int] | None = None
) -> Box:
    """Lay cells out in columns; ``seps[i]`` goes between column i and i+1, ``rules`` are row indexes
    that get a horizontal line above them (``len(rows)`` means below the last row)."""
    ncols = max((len(r) for r in rows), default=0)
    cells = [[as_box(c) for c in r] + [Box([""])] * (ncols - len(r)) for r in rows]
    widths = [max((r[i].width for r in cells), default=0) for i in range(ncols)]
    total = sum(widths) + sum(width(seps[i] if i < len(seps) else " ") for i in range(max(ncols - 1, 0)))
    out: list[str] = []
    rules = rules or set()
    for index, row in enumerate(cells):
        if index in rules:
            out.append("─" * total)
        above = max((c.base for c in row), default=0)
        below = max((c.height - 1 - c.base for c in row), default=0)
        for line_no in range(above + below + 1):
            parts = []
            for col, cell in enumerate(row):
                src = line_no - (above - cell.base)
                text = cell.lines[src] if 0 <= src < cell.height else ""
                align = aligns[col] if col < len(aligns) else "l"
                parts.append(_pad(text, widths[col], align))
                if col < ncols - 1:
                    parts.append(seps[col] if col < len(seps) else " ")
            out.append("".join(parts))
    if len(cells) in rules:
        out.append("─" * total)
    return Box(out or [""], (len(out) - 1) // 2 if out else 0)


_PIECES: dict[str, tuple[str, str, str, str]] = {
    # single, top, middle/extension, bottom
    "(": ("(", "⎛", "⎜", "⎝"),
    ")": (")", "⎞", "⎟", "⎠"),
    "[": ("[", "⎡", "⎢", "⎣"),
    "]": ("]", "⎤", "⎥", "⎦"),
    "{": ("{", "⎧", "⎪", "⎩"),
    "}": ("}", "⎫", "⎪", "⎭"),
    "|": ("|", "│", "│", "│"),
    "‖": ("‖", "‖", "‖", "‖"),
}


def _column(delim: str, height: int) -> list[str]:
    if not delim:
        return [""] * height
    single, top, mid, bottom = _PIECES.get(delim, (delim, delim, delim, delim))
    if height == 1:
        return [single]
    column = [top] + [mid] * (height - 2) + [bottom]
    if delim in "{}" and height >= 3:
        column[(height - 1) // 2] = "⎨" if delim == "{" else "⎬"
    return column


def bracket(box: Box, left: str, right: str) -> Box:
    """Put tall brackets around a box (``⎛ ⎞`` … ``⎝ ⎠``)."""
    size = box.width
    lcol = _column(left, box.height)
    rcol = _column(right, box.height)
    lines = []
    for i, line in enumerate(box.lines):
        pre = lcol[i] + " " if left else ""
        post = " " + rcol[i] if right else ""
        lines.append(pre + _pad(line, size) + post)
    return Box(lines, (box.height - 1) // 2)
