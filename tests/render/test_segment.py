"""Splitting Markdown into prose, code and math, and telling math dollars from money."""

from __future__ import annotations

import pytest

from mathbot.render import display_blocks
from mathbot.render.segment import segments


def kinds(text: str) -> list[tuple[str, str]]:
    return [(s.kind, s.source) for s in segments(text)]


def test_raw_pieces_join_back_to_the_input() -> None:
    text = "a $x$ b\n\n$$y$$ c `code` \\(z\\) \\[w\\]\n```\nfenced $q$\n```\n[asy]draw();[/asy] end"
    assert "".join(s.raw for s in segments(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        "It costs $5 and $10.",
        "It costs $3.50.",
        "Between $5, $10 and $15 each.",
        "I paid $5 for 3 and $6 for 4.",
        "She has $20. He has $30.",
        "costs $5 for x and $ more",
    ],
)
def test_currency_dollars_stay_text(text: str) -> None:
    assert kinds(text) == [("text", text)]


@pytest.mark.parametrize(
    ("text", "math"),
    [
        ("let $x$ be", ["x"]),
        ("a $9$-kilometer walk", ["9"]),
        ("$a_1$ costs $5", ["a_1"]),
        ("costs $5 while $x = 3$ holds", ["x = 3"]),
        ("$\\$$1500 and $\\$$2500", ["\\$", "\\$"]),
        ("we get $ x^2 $ here", [" x^2 "]),
        ("$\\$20{,}000$ wage", ["\\$20{,}000"]),
    ],
)
def test_inline_math_is_found(text: str, math: list[str]) -> None:
    assert [src for kind, src in kinds(text) if kind == "inline"] == math


def test_escaped_dollar_is_not_a_delimiter() -> None:
    assert kinds(r"pay \$5 now") == [("text", r"pay \$5 now")]


def test_blank_line_ends_an_unclosed_dollar() -> None:
    assert all(kind == "text" for kind, _ in kinds("a $x\n\ny$ b"))


def test_delimiter_kinds() -> None:
    found = kinds(r"\(a\) \[b\] $$c$$ `d` \begin{align*}e\end{align*} [asy]f[/asy]")
    assert [k for k, _ in found if k != "text"] == [
        "inline",
        "display",
        "display",
        "code",
        "display",
        "diagram",
    ]


def test_math_inside_code_is_code() -> None:
    assert kinds("```\n$x$\n```") == [("codeblock", "$x$")]
    assert kinds("`$x$`") == [("code", "$x$")]


def test_nested_environments_are_one_block() -> None:
    src = r"\begin{align*} A &= \begin{pmatrix} 1 \end{pmatrix} \end{align*}"
    assert kinds(src) == [("display", src)]


def test_tikz_is_a_diagram() -> None:
    assert kinds(r"\begin{tikzpicture}\draw (0,0);\end{tikzpicture}")[0][0] == "diagram"


def test_display_blocks_in_order() -> None:
    text = "a $$x+1$$ b \\[\n\\frac12\n\\] c $y$ \\begin{align*}p&=q\\end{align*} $$  $$"
    assert display_blocks(text) == ["x+1", "\\frac12", "\\begin{align*}p&=q\\end{align*}"]


def test_unclosed_display_is_text() -> None:
    assert all(kind == "text" for kind, _ in kinds(r"start \[ x = 1 and no end"))


def test_many_unclosed_environments_segment_in_linear_time() -> None:
    # a model stuck in a loop: each \begin used to scan the rest of the text for its \end
    import time

    text = r"\begin{align} x " * 4000 + r"\begin{cases} a \end{cases}"
    start = time.monotonic()
    parts = segments(text)
    assert time.monotonic() - start < 1.0
    assert parts[-1].kind == "display" and parts[-1].source == r"\begin{cases} a \end{cases}"


def test_nested_same_name_environments_pair_up() -> None:
    text = r"\begin{aligned} a \begin{aligned} b \end{aligned} c \end{aligned} then"
    assert kinds(text) == [("display", text[: -len(" then")]), ("text", " then")]


@pytest.mark.parametrize(
    ("text", "math"),
    [
        ("Thus $$x = \\frac{1}{2", ("display", "x = \\frac{1}{2")),
        ("Thus \\[x = \\frac{1}{", ("display", "x = \\frac{1}{")),
        ("Thus \\(x^2 + \\sqrt{3", ("inline", "x^2 + \\sqrt{3")),
    ],
)
def test_a_formula_cut_off_at_the_end_is_still_math(text: str, math: tuple[str, str]) -> None:
    # a truncated answer ends inside a formula: as text it came out as "Thus $$x = (/)1{2"
    assert kinds(text)[-1] == math


def test_dollar_before_inline_math_is_money() -> None:
    assert kinds("He had $$43$ dollars.") == [("text", "He had $"), ("inline", "43"), ("text", " dollars.")]
