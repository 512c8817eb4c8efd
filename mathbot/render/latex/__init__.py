"""LaTeX math → readable Unicode text: fractions, roots, scripts, environments and spacing.

The pieces: ``grammar`` (what the parser knows), ``atoms`` (the units of output), ``converter``
(parsed LaTeX → atoms), ``macros`` (one handler per command), ``environments`` (lists and grids),
``layout`` (atoms → a line or a box).
"""

from __future__ import annotations

import re

from pylatexenc import latexwalker as lw

from .. import symbols as sym
from ..boxes import Box
from .atoms import BLANK, BOX_CLOSE, BOX_OPEN, is_atomic, needs_parens
from .converter import Converter
from .environments import environment
from .grammar import DB, LIST_ENVS, MATH_ENVIRONMENTS, parse_math

__all__ = [
    "BLANK",
    "BOX_CLOSE",
    "BOX_OPEN",
    "LIST_ENVS",
    "MATH_ENVIRONMENTS",
    "MAX_SOURCE_CHARS",
    "crude",
    "is_atomic",
    "latex_text_to_text",
    "math_to_text",
    "needs_parens",
]

MAX_SOURCE_CHARS = 20_000
"""Longer formulas are not parsed structurally, only symbol by symbol."""


def _prepare(src: str) -> str:
    src = re.sub(r"(?<!\\)%", r"\\%", src)
    return src.replace("\u00a0", " ")


def crude(src: str) -> str:
    """Last-resort conversion for input the parser cannot take: symbols replaced, commands dropped."""
    import unicodeit

    text = unicodeit.replace(src)
    text = re.sub(r"\\([A-Za-z]+)", lambda m: sym.COMMANDS.get(m.group(1), m.group(1)), text)
    text = re.sub(r"\\(.)", r"\1", text)
    return re.sub(r"[{}]", "", text)


def math_to_text(src: str, *, display: bool = False, vulgar: bool = True) -> str:
    """Convert the inside of one formula (no ``$``) to Unicode text.

    ``display=True`` lays environments out on several lines (align, cases, matrices);
    otherwise the result is one line. ``vulgar`` allows ``½``-style fractions.
    ``\\boxed{x}`` comes back wrapped in ``BOX_OPEN``/``BOX_CLOSE`` markers.
    """
    src = _prepare(src.strip())
    if not src:
        return ""
    if len(src) > MAX_SOURCE_CHARS:
        return crude(src)
    converter = Converter(display=display, vulgar=vulgar)
    try:
        result = converter.math(parse_math(src), top=display)
    except (RecursionError, lw.LatexWalkerError, IndexError, AttributeError, TypeError, ValueError):
        return crude(src)
    text = result.text() if isinstance(result, Box) else result
    text = "\n".join(line.rstrip() for line in text.strip("\n").split("\n"))
    return text if display else " ".join(text.split("\n")).strip()


def latex_text_to_text(src: str) -> str:
    """Convert text-mode LaTeX (a tabular, a ``\\textbf{}`` in prose) to Unicode text."""
    src = _prepare(src)
    converter = Converter(display=True, vulgar=True)
    try:
        walker = lw.LatexWalker(src, latex_context=DB, tolerant_parsing=True)
        nodes, _, _ = walker.get_latex_nodes()
    except (RecursionError, lw.LatexWalkerError):
        return crude(src)
    parts: list[str] = []
    for node in nodes:
        if node.isNodeType(lw.LatexEnvironmentNode):
            result = environment(converter, node)
            parts.append(result.text() if isinstance(result, Box) else result)
        else:
            parts.append(converter.text([node]))
    return "".join(parts).strip()
