"""One comparison of final answers for votes, eval and /check: canonical, numbers, math-verify both ways."""

from __future__ import annotations

import pytest

from mathbot import equivalence
from mathbot.boxes import final_answer, last_boxed
from mathbot.equivalence import canonical, compare, grade, grade_all, readings, same_answer


@pytest.mark.parametrize(
    "answer, key",
    [
        ("070", "70"),
        ("70.0", "70"),
        ("$\\boxed{70}$", "70"),
        ("\\left( 3, \\tfrac{1}{2} \\right)", "(3,\\frac{1}{2})"),
        ("45^\\circ", "45"),
        ("\\text{ 12 }.", "12"),
        ("1{,}000", "1000"),
        ("1,000", "1000"),
        ("1{,}5", "1.5"),
        ("1,5", "1,5"),
        ("14, 205", "14, 205"),
        ("14,205", "14205"),
        ("3, -5", "3,-5"),
        ("(1, 4), (4, 1)", "(1, 4),(4, 1)"),
    ],
)
def test_canonical(answer: str, key: str) -> None:
    assert canonical(answer) == key


def test_readings() -> None:
    assert readings("1,5") == ("1,5", "1.5")
    assert readings("-0,25") == ("-0,25", "-0.25")
    assert readings("1,000") == ("1,000",)
    assert readings("1{,}5") == ("1.5",)
    assert readings("\\(12\\,\\text{m}\\)") == ("12\\,\\text{m}",)


SAME = [
    ("12 \\text{ m}", "12"),
    ("12\\,\\text{meters}", "12"),
    ("12\\,\\text{meters}", "12 \\text{ m}"),
    ("35\\%", "35 percent"),
    ("\\dfrac{15}{8}", "1.875"),
    ("x=3", "3"),
    ("1{,}000", "1000"),
    ("1,5", "1.5"),
    ("1,5", "1, 5"),
    ("3, -5", "-5, 3"),
    ("3, -5", "x = 3 \\text{ or } x = -5"),
    ("(1,4), (4,1)", "(4,1), (1,4)"),
    ("1 < x < 2", "(1, 2)"),
    ("\\$12", "12 \\text{ dollars}"),
    ("5\\sqrt{2}", "\\sqrt{50}"),
    ("070", "70"),
    ("\\frac{1}{2}, 0.5", "\\frac{1}{2}"),  # one value boxed in two forms
]
DIFFERENT = [
    ("14, 205", "14205"),
    ("1.5", "1, 5"),
    ("2x+z=1", "1"),  # math-verify says yes one way only
    ("[0,1)", "(0,1]"),
    ("\\frac{1}{3}", "0.333"),
    ("0.35", "35"),
    ("70", "71"),
    ("\\frac{1}{2}, 2", "\\frac{1}{2}"),
]


def test_same_and_different_both_ways_in_one_child() -> None:
    pairs = SAME + DIFFERENT
    forward = compare(pairs)
    backward = compare([(b, a) for a, b in pairs])
    assert forward == backward
    assert forward == [True] * len(SAME) + [False] * len(DIFFERENT), list(zip(pairs, forward, strict=True))


def test_same_answer_is_one_call() -> None:
    assert same_answer("\\dfrac{15}{8}", "1.875")
    assert not same_answer("14, 205", "14205")


def test_aime_grading_needs_no_child() -> None:
    assert grade_all(["70", "070", "70.0", "71", None, "", "\\boxed{70}"], "70", deadline=0.0) == [
        True,
        True,
        True,
        False,
        False,
        False,
        True,
    ]


def test_grading_multi_part_and_unit_answers() -> None:
    assert grade("-5, 3", "3, -5")
    assert grade("x = 3 \\text{ or } x = -5", "3, -5")
    assert not grade("3", "3, -5")
    assert grade("12\\,\\text{cm}", "12")
    assert grade_all(["\\frac{1}{2}", "0.5", "\\frac{1}{3}"], "\\dfrac{1}{2}") == [True, True, False]


def test_a_two_box_ending_grades_against_a_two_part_official_answer() -> None:
    """HMMT 2025's two-root answer: the last box alone was graded wrong; both boxes, in any order, right."""
    ending = (
        r"The real solutions are \(\boxed{\dfrac{-1+\sqrt{17}}{2}}\) and \(\boxed{\dfrac{-1-\sqrt{17}}{2}}\)."
    )
    official = "\\frac{-1+\\sqrt{17}}{2}, \\frac{-1-\\sqrt{17}}{2}"
    swapped = "\\frac{-1-\\sqrt{17}}{2}, \\frac{-1+\\sqrt{17}}{2}"
    assert grade_all([final_answer(ending), last_boxed(ending), swapped], official) == [True, False, True]


def test_an_undecided_comparison_is_none_and_grades_wrong() -> None:
    assert compare([("\\frac{1}{2}", "0.5"), ("1", "1.0")], deadline=0.0) == [None, True]
    assert grade("\\frac{1}{2}", "0.5", deadline=0.0) is False


def test_linked_labels_are_the_smallest_index_of_each_chain() -> None:
    chain = {("a", "b"), ("b", "c")}

    def same(x: str, y: str) -> bool:
        return (x, y) in chain or (y, x) in chain

    assert equivalence.linked(["c", "x", "a", "b"], same) == [0, 1, 0, 0]
