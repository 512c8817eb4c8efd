"""The final answer is every box of the concluding statement: checked on a corpus of R1-style endings."""

from __future__ import annotations

import json
import time

import pytest

from mathbot import boxes
from tests.conftest import DATA_DIR, NO_DATA
from tests.core.endings import ENDINGS, Ending


@pytest.mark.parametrize("case", ENDINGS, ids=[case.name for case in ENDINGS])
def test_final_answer_of_realistic_endings(case: Ending) -> None:
    assert boxes.final_boxes(case.text) == case.expected
    assert boxes.final_answer(case.text) == (boxes.join(case.expected) or None)


def test_the_corpus_covers_multi_part_intermediate_and_empty_endings() -> None:
    multi = [c for c in ENDINGS if len(c.expected) > 1]
    intermediate = [c for c in ENDINGS if len(c.expected) == 1 and len(boxes.boxes(c.text)) > 1]
    empty = [c for c in ENDINGS if not c.expected]
    assert len(ENDINGS) >= 50 and len(multi) >= 15 and len(intermediate) >= 7 and len(empty) >= 4


def test_last_boxed_is_brace_matched_and_last() -> None:
    text = "first \\boxed{1}, then \\boxed{\\frac{a}{b^{2}}} and finally \\boxed{\\dfrac{3}{4}}."
    assert boxes.last_boxed(text) == "\\dfrac{3}{4}"
    assert boxes.last_boxed("\\boxed{\\{1, 2\\}}") == "\\{1, 2\\}"
    assert boxes.last_boxed("so \\boxed 5.") == "5"
    assert boxes.last_boxed("\\fbox{42}") == "42"
    assert boxes.last_boxed("no answer here") is None
    assert boxes.last_boxed("\\boxed{unclosed") is None


def test_boxes_are_outermost_and_positioned() -> None:
    text = "a $\\boxed{\\boxed{5}}$ b \\fbox{x} \\boxedfoo{1}"
    found = boxes.boxes(text)
    assert [b.content for b in found] == ["5", "x"]
    assert text[found[0].start : found[0].end] == "\\boxed{\\boxed{5}}"


def test_join_keeps_a_pair_a_pair_and_thousands_one_number() -> None:
    assert boxes.join(("14", "205")) == "14, 205"
    assert boxes.join(("1,000", "2")) == "1{,}000, 2"
    assert boxes.join(("1,000",)) == "1,000"
    assert boxes.join(()) == ""


def test_blank_boxes() -> None:
    for blank in ("", " ", "\\ ", "\\text{}", "\\quad", "$ $"):
        assert boxes.is_blank(blank), blank
    for content in ("0", "\\emptyset", "\\text{none}"):
        assert not boxes.is_blank(content), content


@pytest.mark.parametrize(
    "gap, joins",
    [
        (", ", True),
        ("$ and $", True),
        (" \\text{ or } ", True),
        ("\\)\n- \\(", True),
        ("\n\\]\n\\[\n", True),
        ("\\), respectively; the largest is \\(", True),
        (".\n\n(II) The sum of the first \\(n\\) terms is \\(", True),
        ("\\) or \\(x = ", True),
        ("$. The other solution is $", True),
        ("$, so $a + b = ", False),
        ("$. Substituting back, $b = 2a + 1 = 7$, so the answer is $", False),
        ("$ arrangements.\n\n**Final Answer**\n", False),
        ("$. The area of the square is $", False),
        ("$, then we get $", False),
        (" and " + "word " * 13, False),
        ("x" * 400, False),
    ],
)
def test_what_connects_two_boxes(gap: str, joins: bool) -> None:
    assert boxes.connects(gap) is joins


@pytest.mark.skipif(not DATA_DIR.is_dir(), reason=NO_DATA)
def test_every_official_answer_comes_back_out_of_a_box() -> None:
    """The 630 official answers of the shared problem sets, boxed the way the model boxes them."""
    answers = [str(json.loads(line)["answer"]) for path in DATA_DIR.glob("*.jsonl") for line in path.open()]
    assert len(answers) >= 600
    for answer in answers:
        assert boxes.final_answer(f"Thus, the answer is $\\boxed{{{answer}}}$.") == answer.strip()


def test_a_model_stuck_repeating_boxes_is_read_quickly() -> None:
    """A repetition loop of unclosed or nested boxes (a 16K-token answer) must not stall the job."""
    started = time.perf_counter()
    assert boxes.final_answer("\\boxed{\\frac{1}{2" * 5000) is None
    assert boxes.final_answer("\\boxed{" * 3000 + "1" + "}" * 3000) is not None
    assert boxes.final_answer("We get $\\boxed{3}$ again. " * 3000) == "3"
    assert time.perf_counter() - started < 2.0
    assert boxes.final_answer("\\boxed{5$. Actually it is \\boxed{6}.") == "6"  # a typo before the answer
