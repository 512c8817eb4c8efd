"""Splitting long messages at natural boundaries without breaking formulas or code."""

from __future__ import annotations

import re

import pytest

from mathbot.render import split_message


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def rejoin(parts: list[str]) -> str:
    return squash("".join(parts).replace("```", ""))


def test_short_text_is_one_part() -> None:
    assert split_message("hello", 100) == ["hello"]
    assert split_message("", 100) == []


def test_paragraph_boundaries_first() -> None:
    text = "\n\n".join(["a" * 40, "b" * 40, "c" * 40])
    assert split_message(text, 90) == ["a" * 40 + "\n\n" + "b" * 40, "c" * 40]


def test_then_lines_then_sentences_then_spaces() -> None:
    lines = "\n".join(["x" * 30] * 4)
    assert all(len(p) <= 70 for p in split_message(lines, 70))
    sentences = "One two three. Four five six. Seven eight nine."
    assert split_message(sentences, 20) == ["One two three.", "Four five six.", "Seven eight nine."]
    words = "alpha beta gamma delta epsilon"
    parts = split_message(words, 12)
    assert all(len(p) <= 12 for p in parts) and squash("".join(parts)) == squash(words)


def test_never_inside_inline_math_or_code_span() -> None:
    text = "Consider $a + b + c + d + e$ and `x y z w` then more words here"
    for limit in range(20, 40):
        for part in split_message(text, limit):
            assert part.count("$") % 2 == 0 and part.count("`") % 2 == 0
            assert len(part) <= limit


def test_display_math_with_blank_lines_stays_whole() -> None:
    display = "$$\na = b\n\nc = d\n$$"
    text = "intro " * 5 + "\n\n" + display + "\n\n" + "outro " * 5
    parts = split_message(text, len(display) + 2)
    assert display in parts


def test_code_block_is_closed_and_reopened() -> None:
    code = "```python\n" + "\n".join(f"line_{i} = {i}" for i in range(40)) + "\n```"
    parts = split_message(code, 120)
    assert len(parts) > 1
    for part in parts:
        assert len(part) <= 120
        assert part.startswith("```python\n") and part.endswith("\n```")
    body = [line for part in parts for line in part.split("\n")[1:-1]]
    assert body == [f"line_{i} = {i}" for i in range(40)]


def test_code_block_is_not_split_at_its_blank_lines() -> None:
    code = "```\na\n\nb\n```"
    assert any(code in part for part in split_message("x " * 30 + "\n\n" + code, 40))


def test_slack_entities_are_not_cut() -> None:
    text = "&lt;" * 30
    for part in split_message(text, 17):
        assert re.fullmatch(r"(&lt;)+", part)


def test_unbreakable_run_is_hard_cut() -> None:
    parts = split_message("x" * 25, 10)
    assert parts == ["x" * 10, "x" * 10, "x" * 5]


@pytest.mark.parametrize("limit", [50, 120, 400, 2000])
def test_content_is_preserved(limit: int) -> None:
    text = (
        "## Step 1\n\nWe have $x^2 + y^2 = 1$. So \\[\\frac{a}{b}\\] holds.\n\n"
        + "A long paragraph with many words. " * 30
        + "\n\n```\ncode here\nmore code\n```\n\nDone."
    )
    parts = split_message(text, limit)
    assert all(len(p) <= limit for p in parts)
    assert rejoin(parts) == squash(text.replace("```", ""))


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        split_message("x", 0)


def test_many_unclosed_formula_openers_split_in_linear_time() -> None:
    import time

    for opener in ("\\(", "\\["):
        text = f"{opener} x " * 8000
        start = time.monotonic()
        parts = split_message(text, 3000)
        assert time.monotonic() - start < 1.5
        assert all(len(part) <= 3000 for part in parts) and rejoin(parts) == squash(text)
