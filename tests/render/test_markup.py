"""Platform text: Markdown conversion, escaping, and math the markup cannot eat."""

from __future__ import annotations

import time

import pytest

from mathbot.render import escape_plain, to_text
from mathbot.render.markup import Flavor


class TestSlack:
    def test_bold_italic_strike_headings(self) -> None:
        assert to_text("**b** *i* _j_ ~~s~~", "slack") == "*b* _i_ _j_ ~s~"
        assert to_text("## Step 1: Go", "slack") == "*Step 1: Go*"
        assert to_text("### **Step 2**", "slack") == "*Step 2*"

    def test_entities_are_escaped(self) -> None:
        assert to_text("a < b & c > d", "slack") == "a &lt; b &amp; c &gt; d"
        assert to_text(r"\(a < b\)", "slack") == "a &lt; b"

    def test_stray_asterisk_and_tilde_cannot_format(self) -> None:
        assert to_text("2*3 and 4*5, ~5 and ~6", "slack") == "2∗3 and 4∗5, ∼5 and ∼6"

    def test_subscript_fallback_goes_in_a_code_span(self) -> None:
        assert to_text(r"then \(x_b + 1\) holds", "slack") == "then `x_b + 1` holds"

    def test_unicode_subscripts_need_no_code_span(self) -> None:
        assert to_text(r"then \(x_{n+1}\) holds", "slack") == "then xₙ₊₁ holds"

    def test_bullets_and_links(self) -> None:
        assert to_text("- one\n* two", "slack") == "• one\n• two"
        assert to_text("[docs](https://x.org/a_b)", "slack") == "<https://x.org/a_b|docs>"

    def test_boxed_is_bold(self) -> None:
        assert to_text(r"so \(\boxed{42}\).", "slack") == "so *42*."

    def test_multiline_display_is_a_code_block(self) -> None:
        out = to_text(r"\begin{align*} a &= 1 \\ b &= 2 \end{align*}", "slack")
        assert out == "```\na = 1\nb = 2\n```"

    def test_code_block_language_is_dropped(self) -> None:
        assert to_text("```python\nx = 1 < 2\n```", "slack") == "```\nx = 1 &lt; 2\n```"

    def test_rule(self) -> None:
        assert to_text("a\n\n---\n\nb", "slack") == "a\n\n──────────\n\nb"

    def test_math_at_line_start_is_not_a_quote(self) -> None:
        assert to_text("so\n$$> 0$$", "slack") == "so\n\n\u200b&gt; 0"
        assert to_text("> quoted", "slack") == "> quoted"  # the model's own quote stays one


class TestDiscord:
    def test_markdown_is_kept_but_underline_bold_is_fixed(self) -> None:
        assert to_text("**b** *i* ~~s~~ __u__", "discord") == "**b** *i* ~~s~~ **u**"

    def test_stray_markup_is_escaped(self) -> None:
        assert to_text("snake_case and 2*3", "discord") == r"snake\_case and 2\*3"

    def test_math_markup_is_escaped(self) -> None:
        assert to_text(r"\(a_b\) and \(|a||b|\)", "discord") == r"a\_b and \|a\|\|b\|"

    def test_headings(self) -> None:
        assert to_text("## Step", "discord") == "## Step"
        assert to_text("#### Deep", "discord") == "**Deep**"

    def test_boxed_is_bold(self) -> None:
        assert to_text(r"\[\boxed{\frac{3}{4}}\]", "discord") == "**¾**"

    def test_code_span_is_verbatim(self) -> None:
        assert to_text("`a_b * c`", "discord") == "`a_b * c`"

    def test_code_block_keeps_language(self) -> None:
        assert to_text("```py\nx_1 = 2\n```", "discord") == "```py\nx_1 = 2\n```"

    @pytest.mark.parametrize(
        ("source", "expected"),
        [
            ("Then\n$$- x = 3$$", "Then\n\n\\- x = 3"),  # not a bullet
            ("Count:\n$$\\# \\text{ of ways} = 10$$", "Count:\n\n\\# of ways = 10"),  # not a heading
            (r"\# of ways is 5", r"\# of ways is 5"),
            ("so\n$$> 3$$", "so\n\n\\> 3"),  # not a quote
            ("$1.$ First", "1\\. First"),  # not a numbered list
        ],
    )
    def test_math_at_line_start_is_not_markup(self, source: str, expected: str) -> None:
        assert to_text(source, "discord") == expected

    def test_the_models_own_markup_stays(self) -> None:
        assert to_text("# Solution\n- one\n> quote\n1. first", "discord") == (
            "# Solution\n- one\n> quote\n1. first"
        )


class TestConsole:
    def test_markdown_kept_latex_converted(self) -> None:
        assert to_text(r"**Answer:** \(x^2\) and 2*3", "console") == "**Answer:** x² and 2*3"

    def test_display_is_indented(self) -> None:
        assert to_text("$$x^2$$", "console") == "    x²"

    def test_latex_escapes_in_prose(self) -> None:
        assert to_text(r"pay \$5 or 10\%", "console") == "pay $5 or 10%"


@pytest.mark.parametrize("flavor", ["slack", "discord", "console"])
def test_currency_survives(flavor: str) -> None:
    assert to_text("costs $5 and $10, or $3.50", flavor) == "costs $5 and $10, or $3.50"


@pytest.mark.parametrize("flavor", ["slack", "discord", "console"])
def test_diagrams_are_summarised(flavor: str) -> None:
    assert to_text("See\n[asy]\ndraw((0,0)--(1,1));\n[/asy]\nabove.", flavor) == "See\n\n[diagram]\n\nabove."


def test_display_math_is_its_own_paragraph() -> None:
    assert to_text(r"so \[x = 1\] then", "console") == "so\n\n    x = 1\n\nthen"


def test_bare_latex_in_prose_is_converted() -> None:
    assert to_text(r"the answer is \boxed{12} and 30^\circ", "discord") == "the answer is **12** and 30°"
    assert to_text(r"\textbf{Note:} see \emph{this}", "discord") == "**Note:** see *this*"


def test_latex_lists_and_tables_in_prose() -> None:
    out = to_text(r"\begin{itemize}\item one $x^2$ \item two\end{itemize}", "console")
    assert out == "• one x²\n• two"
    table = to_text(r"\begin{tabular}{c|c} a & b \\ 1 & 2 \end{tabular}", "console")
    assert table == "    a │ b\n    1 │ 2"


def test_mentions_are_neutralized_inside_to_text() -> None:
    assert "@\u200beveryone" in to_text("hi @everyone", "discord")
    assert "<@\u200b123>" in to_text("hi <@123>", "discord")
    assert "&lt;!here&gt;" in to_text("hi <!here>", "slack")
    assert to_text("hi @everyone", "console") == "hi @everyone"


def test_escape_plain() -> None:
    assert escape_plain("a_b*c", "discord") == r"a\_b\*c"
    assert escape_plain("a<b*c", "slack") == "a&lt;b∗c"
    assert escape_plain("a_b", "console") == "a_b"


@pytest.mark.parametrize(
    "text",
    [
        "**a " * 10000,
        "_a " * 12000,
        "__a " * 10000,
        "*a " * 12000,
        "~~a " * 10000,
        "***a " * 8000,
        "[a " * 12000,
    ],
)
def test_unpaired_markup_converts_in_linear_time(text: str) -> None:
    # each of these took seconds per flavor (the emphasis and link patterns were quadratic)
    start = time.monotonic()
    for flavor in ("slack", "discord"):
        to_text(text, flavor)
    assert time.monotonic() - start < 2.0


def test_private_use_input_cannot_smuggle_placeholders() -> None:
    assert to_text("a\U000f0000b\U00100000c", "console") == "abc"


ADDRESS_LABELS = [
    ("[https://known.site](https://elsewhere.example/x)", "https://elsewhere.example/x"),
    ("See [known.site](https://elsewhere.example)", "See https://elsewhere.example"),
    ("[www.known.site/login](https://evil.example/a_b)", "https://evil.example/a_b"),
    ("[HTTP://Known.Site](https://elsewhere.example)", "https://elsewhere.example"),
]


@pytest.mark.parametrize("flavor", ["slack", "discord"])
@pytest.mark.parametrize(("markdown", "shown"), ADDRESS_LABELS)
def test_a_link_labelled_with_an_address_shows_its_real_target(
    markdown: str, shown: str, flavor: Flavor
) -> None:
    """A masked link whose label is itself an address would show one site and open another: such a
    link is shown as its real target, as a bare link; the label's address appears nowhere."""
    out = to_text(markdown, flavor)
    assert out == shown
    assert "known.site" not in out.lower() and "|" not in out and "](" not in out


WORD_LABELS = {
    "slack": "<https://x.org/a_b|Vieta's formulas, p. 3.2>",
    "discord": "[Vieta's formulas, p. 3.2](https://x.org/a_b)",
}


@pytest.mark.parametrize("flavor", sorted(WORD_LABELS))
def test_a_link_labelled_with_words_stays_masked(flavor: Flavor) -> None:
    assert to_text("[Vieta's formulas, p. 3.2](https://x.org/a_b)", flavor) == WORD_LABELS[flavor]
