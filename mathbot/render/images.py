"""One formula → PNG with no TeX installation (ziamath → SVG → resvg), bounded in size, time and memory.

The render runs in a child process that is killed at the deadline: RQ uses SIGALRM for its job
timeouts, so no alarm signal is used here. With the ``fork`` start method (Linux) ziamath is
imported once in the parent and the child starts warm, at a cost of a few milliseconds. The child's
address space is capped (``RENDER_MEMORY_BYTES`` above what it starts with).

latex2mathml + ziamath space some things unlike TeX; ``_tune_operators`` fixes the visible ones
(unary minus, ``\\pm``, ``\\times``, ``\\implies``, fences that stretched, cramped cases columns).
"""

from __future__ import annotations

import functools
import logging
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any, TypeVar

from mathbot import forked
from mathbot.tex import group_end

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
_EXTRA_FUNCTIONS = (
    "lcm",
    "sgn",
    "rank",
    "tr",
    "ord",
    "rad",
    "Var",
    "Cov",
    "span",
    "proj",
    "diag",
    "argmax",
    "argmin",
    "cis",
    "Arg",
    "Log",
    "erf",
    "Tr",
    "lub",
    "glb",
)
_ENV_RENAMES = {
    "eqnarray": "align",
    "equation": "gather",
    "multline": "gather",
    "dcases": "cases",
    "gathered": "gathered",
    "flalign": "align",
}


def _replace_macro(text: str, name: str, nargs: int, build) -> str:
    """Replace ``\\name{a}{b}`` (balanced arguments) by ``build(a, b)``."""
    pattern = re.compile(r"\\" + name + r"(?![A-Za-z])\s*")
    out, pos = [], 0
    while True:
        match = pattern.search(text, pos)
        if not match:
            out.append(text[pos:])
            return "".join(out)
        args, cursor = [], match.end()
        for _ in range(nargs):
            while cursor < len(text) and text[cursor].isspace():
                cursor += 1
            if text[cursor : cursor + 1] != "{":
                break
            end = group_end(text, cursor)
            if end < 0:
                break
            args.append(text[cursor + 1 : end - 1])
            cursor = end
        if len(args) < nargs:
            out.append(text[pos : match.end()])
            pos = match.end()
            continue
        out.append(text[pos : match.start()])
        out.append(build(*args))
        pos = cursor


def _text_arg(body: str) -> str:
    """``\\text{}`` content for latex2mathml: text escapes undone, ``$x$`` inside pulled out as math."""
    parts = re.split(r"(?<!\\)\$", body)
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(f"{{{part}}}")
        elif part:
            part = re.sub(r"\\([$%&#_{}])", r"\1", part)
            out.append(r"\text{" + part + "}")
    return "".join(out)


def prepare(latex: str) -> str:
    """Rewrite LaTeX into the subset ziamath 0.13 (via latex2mathml) draws correctly."""
    src = latex.strip()
    src = re.sub(r"(?<!\\)%", r"\\%", src)
    src = re.sub(r"\\(label|tag\*?|ref|eqref)\s*\{[^{}]*\}", "", src)
    src = re.sub(r"\\(nonumber|notag|displaystyle|limits|nolimits|qedhere)(?![A-Za-z])", "", src)
    src = _replace_macro(src, "boxed", 1, lambda a: "{" + a + "}")
    for name in ("dbinom", "tbinom", "binom"):
        src = _replace_macro(src, name, 2, lambda a, b: r"\left({" + a + r"} \atop {" + b + r"}\right)")
    src = re.sub(r"\\cfrac\s*\[[lrc]\]", r"\\cfrac", src)
    src = re.sub(r"\\(cfrac|sfrac|nicefrac)(?![A-Za-z])", r"\\frac", src)
    src = _replace_macro(src, "cancelto", 2, lambda a, b: r"\cancel{" + b + "}")
    src = _replace_macro(src, "overarc", 1, lambda a: r"\overset{\frown}{" + a + "}")
    src = _replace_macro(src, "overparen", 1, lambda a: r"\overset{\frown}{" + a + "}")
    for name in ("text", "textrm", "textnormal", "mbox", "textup", "hbox"):
        src = _replace_macro(src, name, 1, _text_arg)
    src = re.sub(r"\\(" + "|".join(_EXTRA_FUNCTIONS) + r")(?![A-Za-z])", r"\\operatorname{\1}", src)
    src = re.sub(r"\\middle\s*", "", src)
    src = re.sub(r"\\cline\s*\{[^{}]*\}", "", src)
    src = _replace_macro(src, "multicolumn", 3, lambda n, spec, body: "{" + body + "}")
    # ziamath cannot put a script on a bare environment: wrap it in a group first
    src = re.sub(r"(\\begin\{(\w+\*?)\}.*?\\end\{\2\})(\s*[\^_])", r"{\1}\3", src, flags=re.S)
    src = re.sub(r"\\(dotsb|dotsc|dotsm|dotsi|dotso|hdots)(?![A-Za-z])", r"\\cdots", src)
    src = src.replace(r"\textdollar", r"\$")
    for old, new in _ENV_RENAMES.items():
        src = re.sub(r"\\(begin|end)\{" + old + r"\*?\}", r"\\\1{" + new + "*}", src)
    src = src.replace("&=&", "&=").replace("& = &", "&=")
    src = re.sub(r"(\\\\\s*)+(\\end\{)", r"\2", src)  # a trailing \\ makes an empty row
    src = re.sub(r"(\\\\\s*)+$", "", src)
    if re.search(r"\\\\", src) and "\\begin" not in src:
        env = "align*" if "&" in src else "gather*"
        src = f"\\begin{{{env}}}{src}\\end{{{env}}}"
    return src.strip()


_SUPPORTED_ENVS = {
    "align",
    "align*",
    "aligned",
    "gather",
    "gather*",
    "gathered",
    "split",
    "cases",
    "matrix",
    "pmatrix",
    "bmatrix",
    "Bmatrix",
    "vmatrix",
    "Vmatrix",
    "smallmatrix",
    "array",
}
"""Environments latex2mathml draws properly (after the renames in ``prepare``)."""


def _mathml(src: str, color: str) -> ET.Element | None:
    from ziamath.tex import tex2mml

    if any(env not in _SUPPORTED_ENVS for env in re.findall(r"\\begin\{([^}]*)\}", src)):
        return None

    mml = tex2mml(src)
    if re.search(r">\s*\\[A-Za-z]", mml) or "<merror" in mml:
        return None  # latex2mathml passed a command through: it would be drawn as "\foo"
    element = ET.fromstring(mml)
    element.attrib["mathcolor"] = color
    for table in element.iter(_MML + "mtable"):
        if table.get("rowspacing") == "3pt":  # align rows with big operators touch each other
            table.set("rowspacing", "0.6em")
        if "columnspacing" not in table.attrib:  # cases and matrices: ziamath's 0.3em runs columns together
            cells = list(table.iter(_MML + "mtd"))
            cases = bool(cells) and all(cell.get("columnalign") == "left" for cell in cells)
            table.set("columnspacing", "1em" if cases else "0.8em")
    _tune_operators(element)
    return element


_MML = "{http://www.w3.org/1998/Math/MathML}"
_SIGNS = {"−", "-", "+", "±", "∓"}
_FENCES = set("()[]{}|‖⌊⌋⌈⌉⟨⟩")
_CLOSING = set(")]}|‖⌋⌉⟩!′″%°…⋯")
"""After these a sign is binary (``(a) - b``, ``|x| - 1``, ``n! - 1``, ``+ \\dots +``); after other
operators it is unary."""
_MI_OPERATORS = {"±": "±", "∓": "∓", "⧵": "∖", "~": "∼", "⟂": "⊥", "•": "•", "†": "†"}
_MI_OPERATORS.update({ch: ch for ch in "⟹⟸⟺⟶⟵⪯⪰"})
"""Operators latex2mathml emits as identifiers (``\\pm``, ``\\implies``, ``\\sim``...): no spacing at all."""
_BINARY_SPACE = {ch: "0.2222em" for ch in "×÷∘∪∩∖∗⋆⊕⊗⊙∧∨⊓⊔•"}
_BINARY_SPACE.update({ch: "0.2778em" for ch in "⟹⟸⟺⟶⟵⪯⪰"})
"""TeX's medium (binary) and thick (relation) spaces, where the MathML dictionary ziamath uses has
none or a hair (``3×10``, ``p⟹q``)."""


def _tune_operators(root: ET.Element) -> None:
    """Fix what latex2mathml + ziamath space wrongly: a unary minus gets binary spacing (``( − 1)``),
    a plain ``(`` next to a tall neighbour stretches (``\\pmod``), ``×`` and ``⟹`` get none."""
    for parent in root.iter():
        previous: ET.Element | None = None
        matrix = any(child.tag == _MML + "mtable" for child in parent)  # pmatrix fences must stretch
        for child in list(parent):
            text = (child.text or "").strip()
            if child.tag == _MML + "mi" and text in _MI_OPERATORS:
                child.tag = _MML + "mo"
                child.text = text = _MI_OPERATORS[text]
            if child.tag == _MML + "mo" and "form" not in child.attrib:
                if text in _FENCES and "stretchy" not in child.attrib and not matrix:
                    child.set("stretchy", "false")
                elif text in _SIGNS and previous is not None:
                    before = (previous.text or "").strip()
                    if previous.tag == _MML + "mo" and before not in _CLOSING:
                        child.set("form", "prefix")
                elif text in _BINARY_SPACE and previous is not None:
                    child.set("lspace", _BINARY_SPACE[text])
                    child.set("rspace", _BINARY_SPACE[text])
            if child.tag != _MML + "mspace":
                previous = child


def _import_ziamath() -> None:
    with warnings.catch_warnings():  # ziamath 0.13 uses a deprecated importlib.resources call
        warnings.simplefilter("ignore", DeprecationWarning)
        import ziamath  # noqa: F401


def _render(src: str, dark: bool) -> bytes | None:
    _import_ziamath()
    import resvg_py
    import ziamath

    ink, paper = DARK if dark else LIGHT
    element = _mathml(src, ink)
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
