"""The real corpus: every MATH-500 solution and every problem converts cleanly for every platform.

The data is the shared problem sets (never copied in; ``tests/support/data.py`` says where they are
looked for); the tests skip when they are absent. Image rendering of every display formula is marked slow.
"""

from __future__ import annotations

import re

import pytest

from mathbot.render import display_blocks, render_png, to_text
from tests.support import data

RAW_COMMAND = re.compile(r"\\[a-zA-Z]+")
CODE = re.compile(r"```.*?```|(?<!\\)`[^`\n]*(?<!\\)`", re.S)  # code is verbatim by design
FLAVORS = ("slack", "discord", "console")


def _texts() -> list[tuple[str, str]]:
    data.require_data()
    texts = []
    for path in sorted(data.DATA_DIR.glob("*.jsonl")):
        for index, row in enumerate(data.rows(path.stem)):
            texts.append((f"{path.stem}[{index}].problem", row["problem"]))
            if path.name == "math_500.jsonl":
                texts.append((f"{path.stem}[{index}].solution", row["solution"]))
    return texts


def test_every_problem_and_solution_converts_without_raw_latex() -> None:
    texts = _texts()
    assert len(texts) > 1000
    failures = []
    for label, text in texts:
        for flavor in FLAVORS:
            out = to_text(text, flavor)
            left = RAW_COMMAND.findall(CODE.sub("", out))
            if left:
                failures.append((label, flavor, left[:3]))
    assert not failures, failures[:10]


def test_asymptote_becomes_a_diagram_marker() -> None:
    rows = data.rows("math_500")
    with_asy = [row["solution"] for row in rows if "[asy]" in row["solution"]]
    assert with_asy
    for solution in with_asy:
        out = to_text(solution, "console")
        assert "[asy]" not in out and "draw(" not in out and "[diagram]" in out


def test_problem_dollars_read_as_money() -> None:
    rows = data.rows("math_500")
    money = [row["problem"] for row in rows if "\\$" in row["problem"]]
    assert money
    for problem in money:
        assert "$" in to_text(problem, "slack")


@pytest.mark.slow
def test_every_display_formula_renders_or_falls_back() -> None:
    rows = data.rows("math_500")
    blocks = [block for row in rows for block in display_blocks(row["solution"])]
    rendered = sum(render_png(block) is not None for block in blocks)
    assert rendered / len(blocks) > 0.95
