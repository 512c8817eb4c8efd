"""Formula images: valid bounded PNGs, and a quick ``None`` whenever rendering can't be trusted."""

from __future__ import annotations

import struct
import time

import pytest

from mathbot.forked import ChildFailed
from mathbot.render import render_png
from mathbot.render.images import (
    MAX_HEIGHT_PX,
    MAX_LATEX_CHARS,
    MAX_WIDTH_PX,
    RENDER_MEMORY_BYTES,
    _bounded,
)
from mathbot.render.mathml import prepare, to_mathml

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize(
    "latex",
    [
        r"\frac{-b \pm \sqrt{b^2 - 4ac}}{2a}",
        r"\begin{align*} a &= b + c \\ &= d \end{align*}",
        r"f(x) = \begin{cases} x^2 & \text{if } x \ge 0 \\ -x & \text{if } x < 0 \end{cases}",
        r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}",
        r"\boxed{\dfrac{21}{4}}",
        r"\binom{10}{2} = 45 \pmod{7}",
    ],
)
@pytest.mark.parametrize("dark", [False, True])
def test_renders_a_sane_png(latex: str, dark: bool) -> None:
    data = render_png(latex, dark=dark)
    assert data is not None
    width, height = png_size(data)
    assert 30 <= width <= MAX_WIDTH_PX and 30 <= height <= MAX_HEIGHT_PX


def test_light_and_dark_differ() -> None:
    assert render_png("x^2") != render_png("x^2", dark=True)


@pytest.mark.parametrize(
    "latex",
    ["", "   ", r"\frac{", r"\foo{x}", r"\\", "x" * (MAX_LATEX_CHARS + 1), r"\begin{tikzcd} A \end{tikzcd}"],
)
def test_unrenderable_input_falls_back_quickly(latex: str) -> None:
    start = time.monotonic()
    assert render_png(latex) is None
    assert time.monotonic() - start < 3.5


def test_huge_formula_is_scaled_down_within_bounds_or_refused() -> None:
    wide = " + ".join(f"x_{{{i}}}" for i in range(120))
    data = render_png(wide)
    if data is not None:
        width, height = png_size(data)
        assert width <= MAX_WIDTH_PX and height <= MAX_HEIGHT_PX


def test_time_bound_is_enforced_in_a_child_process() -> None:
    start = time.monotonic()
    assert render_png(r"\sum_{k=1}^{n} \frac{1}{k^2}", timeout=0.001) is None
    assert time.monotonic() - start < 2.0


def test_never_raises_on_odd_types() -> None:
    assert render_png(None) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        (r"\boxed{70}", "{70}"),
        (r"x \tag{1} \label{eq:1}", "x"),
        (r"\dbinom{n}{k}", r"\left({n} \atop {k}\right)"),
        (r"\lcm(a, b)", r"\operatorname{lcm}(a, b)"),
        (r"\text{costs \$5 for $x$}", r"\text{costs $5 for }{x}"),
        (r"\begin{eqnarray*} a &=& b \end{eqnarray*}", r"\begin{align*} a &= b \end{align*}"),
        (r"a \\ b", r"\begin{gather*}a \\ b\end{gather*}"),
        (r"\cfrac{1}{2}", r"\frac{1}{2}"),
        (r"\begin{vmatrix} a \end{vmatrix}^2", r"{\begin{vmatrix} a \end{vmatrix}}^2"),
    ],
)
def test_prepare_maps_unsupported_latex(src: str, expected: str) -> None:
    assert prepare(src) == expected


MML = "{http://www.w3.org/1998/Math/MathML}"


def operators(latex: str) -> list[tuple[str, dict[str, str]]]:
    element = to_mathml(prepare(latex), "#000")
    assert element is not None
    return [((mo.text or "").strip(), dict(mo.attrib)) for mo in element.iter(MML + "mo")]


def test_unary_minus_is_not_spaced_like_subtraction() -> None:
    # ziamath spaces every "−" as binary: "( − 1)", "= − 3", "f( − x)" without a prefix form
    ops = operators(r"(-1)^k = -3 + f(-x) - |x| - 1 + \dots - 2")
    minus = [attrs.get("form") for text, attrs in ops if text == "−"]
    assert minus == ["prefix", "prefix", "prefix", None, None, None]


def test_plus_minus_is_an_operator() -> None:
    ops = operators(r"x = \pm 2, \; a \pm b")
    signs = [attrs.get("form") for text, attrs in ops if text == "±"]
    assert signs == ["prefix", None]  # latex2mathml made both identifiers, without any spacing


def test_plain_parentheses_do_not_stretch_but_matrix_ones_do() -> None:
    ops = operators(r"3^{2024} \pmod{125}")  # \pmod's "(" grew to the height of the exponent
    assert all(attrs.get("stretchy") == "false" for text, attrs in ops if text in "()")
    ops = operators(r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}")
    assert all(attrs.get("stretchy") != "false" for text, attrs in ops if text in "()")


def test_binary_operators_and_long_arrows_get_tex_spacing() -> None:
    ops = dict(operators(r"3 \times 10 \div 2, \; A \cup B, \; p \implies q"))
    assert ops["×"]["lspace"] == ops["÷"]["lspace"] == ops["∪"]["lspace"] == "0.2222em"
    assert ops["⟹"]["lspace"] == "0.2778em"


def test_cases_columns_are_apart() -> None:
    element = to_mathml(prepare(r"\begin{cases} -x & x < 0 \\ x & x \ge 0 \end{cases}"), "#000")
    assert element is not None
    assert [t.get("columnspacing") for t in element.iter(MML + "mtable")] == ["1em"]


def test_the_render_child_has_a_memory_cap() -> None:
    # the same child render_png draws in: asking for twice the cap fails there, not here
    with pytest.raises(ChildFailed, match="MemoryError"):
        _bounded(bytearray, 2 * RENDER_MEMORY_BYTES, timeout=20)
