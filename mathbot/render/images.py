"""One formula → PNG with no TeX installation (ziamath → SVG → resvg), bounded in size, time and memory.

The render runs in a child process (``mathbot.forked``) that is killed at the deadline: RQ uses
SIGALRM for its job timeouts, so no alarm signal is used here. ziamath and resvg are imported in the
parent before the fork, so the child starts warm, at a cost of a few milliseconds. The child's
address space is capped (``RENDER_MEMORY_BYTES`` above what it starts with). The LaTeX is first
rewritten into MathML that ziamath draws right (``mathml``).
"""

from __future__ import annotations

import functools
import logging
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any, TypeVar

from mathbot import forked

from .mathml import prepare, to_mathml

logger = logging.getLogger(__name__)

T = TypeVar("T")

MAX_LATEX_CHARS = 2000
"""Longer formulas are not rendered (the caller shows text)."""
RENDER_TIMEOUT_S = 3.0
"""Wall-clock bound for one render, child process start included."""
RENDER_MEMORY_BYTES = 512 * 1024 * 1024
"""Address space one render may add to what the forked child starts with."""
MAX_WIDTH_PX = 2000
MAX_HEIGHT_PX = 1000
"""Pixel cap: bigger renders are scaled down to fit."""
MIN_SCALE = 0.4
"""Scaling down further than this makes text unreadable: fall back to text instead."""
FONT_PX = 32
PADDING_PX = 16
CORNER_PX = 10
LIGHT = ("#1d1c1d", "#ffffff")
"""(text, background) of the default card: dark ink on white reads on light and dark themes."""
DARK = ("#e8e8e8", "#1e1f22")
"""(text, background) with ``dark=True``."""

_SVG_NS = "http://www.w3.org/2000/svg"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _import_ziamath() -> None:
    with warnings.catch_warnings():  # ziamath 0.13 uses a deprecated importlib.resources call
        warnings.simplefilter("ignore", DeprecationWarning)
        import ziamath  # noqa: F401


def _render(src: str, dark: bool) -> bytes | None:
    _import_ziamath()
    import resvg_py
    import ziamath

    ink, paper = DARK if dark else LIGHT
    element = to_mathml(src, ink)
    if element is None:
        return None
    inner = ziamath.Math(element, size=FONT_PX).svgxml()
    width, height = float(inner.attrib["width"]), float(inner.attrib["height"])
    if width <= 0 or height <= 0:
        return None
    total_w, total_h = width + 2 * PADDING_PX, height + 2 * PADDING_PX
    scale = min(1.0, MAX_WIDTH_PX / total_w, MAX_HEIGHT_PX / total_h)
    if scale < MIN_SCALE:
        return None
    outer = ET.Element(
        "svg",
        {
            "xmlns": _SVG_NS,
            "width": f"{total_w:.2f}",
            "height": f"{total_h:.2f}",
            "viewBox": f"0 0 {total_w:.2f} {total_h:.2f}",
        },
    )
    ET.SubElement(
        outer,
        "rect",
        {
            "x": "0",
            "y": "0",
            "width": f"{total_w:.2f}",
            "height": f"{total_h:.2f}",
            "rx": str(CORNER_PX),
            "fill": paper,
        },
    )
    inner.attrib.pop("xmlns", None)
    inner.attrib["x"] = str(PADDING_PX)
    inner.attrib["y"] = str(PADDING_PX)
    outer.append(inner)
    svg = ET.tostring(outer, encoding="unicode")
    png = resvg_py.svg_to_bytes(svg_string=svg, skip_system_fonts=True, zoom=scale)
    return bytes(png)


def render_in_process(latex: str, *, dark: bool = False) -> bytes | None:
    """Render without the child process or time bound (benchmarks, and the child itself)."""
    try:
        if not latex.strip() or len(latex) > MAX_LATEX_CHARS:
            return None
        return _render(prepare(latex), dark)
    except Exception:
        return None


def _warm() -> None:
    """Import ziamath and resvg here, before the fork, so the child starts with them loaded."""
    import resvg_py  # noqa: F401

    _import_ziamath()


def render_png(latex: str, *, dark: bool = False, timeout: float = RENDER_TIMEOUT_S) -> bytes | None:
    """The formula as a PNG, or ``None`` (never an exception) when it can't be drawn in time.

    ``latex`` is the inside of one display formula; ``\\boxed``, ``\\tag`` and ``\\label`` are
    dropped. Output is at most ``MAX_WIDTH_PX`` × ``MAX_HEIGHT_PX``.
    """
    if not isinstance(latex, str) or not latex.strip() or len(latex) > MAX_LATEX_CHARS:
        return None
    try:
        _warm()
        data = _bounded(functools.partial(render_in_process, dark=dark), latex, timeout=timeout)
    except forked.ChildFailed as exc:
        logger.info("formula render failed: %s", exc)
        return None
    except Exception:
        logger.exception("formula render failed")
        return None
    return data if isinstance(data, bytes) and data.startswith(_PNG_MAGIC) else None


def _bounded(func: Callable[..., T], *args: Any, timeout: float) -> T:
    """``func(*args)`` in a forked child killed after ``timeout`` seconds, its memory capped at
    ``RENDER_MEMORY_BYTES`` more than it starts with, so a pathological formula fails with
    MemoryError (and falls back to text) instead of swapping the host."""
    return forked.call(func, *args, deadline=timeout, memory_bytes=RENDER_MEMORY_BYTES, name="mathbot-render")
