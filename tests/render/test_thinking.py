"""The reasoning file and the live progress snippet."""

from __future__ import annotations

import re

import pytest

from mathbot.render import neutralize_mentions, reasoning_file, snippet


def test_reasoning_file_has_header_and_verbatim_body() -> None:
    reasoning = "Okay, so \\(x^2 = 4\\).\n\nWait, $\\frac{1}{2}$... </think>"
    name, data = reasoning_file(reasoning, tokens=12345, seconds=133.4, problem="Find $x$.\nQuickly.")
    text = data.decode("utf-8")
    assert name == "reasoning.md"
    assert "> Find $x$.\n> Quickly." in text
    assert "Tokens: 12,345" in text and "Thinking time: 2 min 13 s" in text
    assert text.endswith(reasoning + "\n")


def test_reasoning_file_short_time() -> None:
    _, data = reasoning_file("r", tokens=5, seconds=4.6, problem="p")
    assert b"Thinking time: 5 s" in data


def test_snippet_takes_the_last_complete_sentence() -> None:
    text = "First we expand. Then we note that \\(x^2 + 1 = 0\\) has no real roots. So the next st"
    assert snippet(text) == "Then we note that x² + 1 = 0 has no real roots."


def test_snippet_when_text_ends_a_sentence() -> None:
    assert snippet("Setup. Now compute $\\frac{a}{b}$.") == "Now compute a/b."


def test_snippet_is_one_clean_bounded_line() -> None:
    text = "Hmm @everyone look at *this* and `that` and <@123> and x_1 ~ y | z. " * 5
    out = snippet(text, limit=60)
    assert len(out) <= 60 and out.endswith("…")
    assert "\n" not in out
    assert not re.search(r"[@<>*_`~|\\#]", out)


def test_snippet_converts_latex() -> None:
    out = snippet("We need \\sum_{k=1}^{n} k^2 \\le \\sqrt{2}, clearly true.")
    assert "∑ₖ₌₁ⁿ" in out and "≤" in out and "√2" in out and "\\" not in out


def test_snippet_of_a_long_tail_starts_clean() -> None:
    text = "x" * 5000 + "\nLet us check $n = 5$. It works."
    assert snippet(text) == "It works."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Roots sum to \\(r_1 + r_2 = \\frac{5}{", "Roots sum to"),
        ("So we get $$x^2 = \\frac{1", "So we get"),
        ("Now \\(\\frac{3}{4}\\) and then \\sqrt{x+", "Now ¾ and then"),
        ("Then \\(x = \\sqrt{2}\\) and so", "Then x = √2 and so"),
    ],
)
def test_snippet_drops_a_formula_still_being_written(text: str, expected: str) -> None:
    assert snippet(text) == expected  # not "(r1 + r2 = (/)5"


def test_snippet_empty() -> None:
    assert snippet("") == ""


class TestNeutralizeMentions:
    def test_slack(self) -> None:
        out = neutralize_mentions(
            "<!everyone> <!channel> <!here> <@U123> <!subteam^S1> @channel @here", "slack"
        )
        assert "<" not in out and ">" not in out
        assert "@\u200bchannel" in out and "@\u200bhere" in out

    def test_discord(self) -> None:
        out = neutralize_mentions("@everyone @here <@123> <@!456> <@&789>", "discord")
        assert out == "@\u200beveryone @\u200bhere <@\u200b123> <@\u200b!456> <@\u200b&789>"

    def test_emails_are_left_alone(self) -> None:
        assert neutralize_mentions("mail me@here.org", "discord") == "mail me@here.org"
