"""The answer card: boxed answer text, headline, AIME heuristic and range check."""

from __future__ import annotations

import dataclasses

import pytest

from mathbot.render import AnswerCard, answer_card
from mathbot.render.card import NO_ANSWER, NO_ANSWER_TRUNCATED, NOTE_NOT_AIME, aime_integer, looks_like_aime

AIME_PROBLEM = "Let N be the number of such sets. Find the remainder when N is divided by 1000."
PLAIN_PROBLEM = "Compute the sum of the positive divisors of 9! that end in 1."


@pytest.mark.parametrize(
    ("final", "text"),
    [
        ("70", "70"),
        (r"\frac{3}{4}", "3/4"),
        (r"\dfrac{21}{4}", "21/4"),
        (r"\sqrt{2}", "√2"),
        (r"\text{Evelyn}", "Evelyn"),
        (r"\left( 3, \frac{\pi}{2} \right)", "(3, π/2)"),
        (r"90^\circ", "90°"),
        (r"2\sqrt{3} + 1", "2√3 + 1"),
        (r"\boxed{5}", "5"),
        (r"x_b", "x_b"),
    ],
)
def test_final_text(final: str, text: str) -> None:
    card = answer_card(final, PLAIN_PROBLEM, truncated=False)
    assert card.final_text == text
    assert card.headline == f"Final answer: {text}"
    assert card.latex == final
    assert card.note is None and card.fits_aime is None and not card.aime_expected


def test_card_is_frozen() -> None:
    card = answer_card("1", PLAIN_PROBLEM, truncated=False)
    assert isinstance(card, AnswerCard)
    with pytest.raises(dataclasses.FrozenInstanceError):
        card.final_text = "2"  # type: ignore[misc]


@pytest.mark.parametrize(
    "problem",
    [
        AIME_PROBLEM,
        "This is from the 2024 AIME I. Find x.",
        "What are the last three digits of 7^{2024}?",
        "where $m$ and $n$ are relatively prime positive integers. Find $m+n$.",
        r"relatively prime positive integers. Find \(m + n + p\).",
        "Give your answer as an integer from 0 to 999.",
    ],
)
def test_aime_like_problems(problem: str) -> None:
    assert looks_like_aime(problem)


@pytest.mark.parametrize(
    "problem",
    [PLAIN_PROBLEM, "What is $m+n$?", "Find the number of ordered pairs (x, y).", "Divide 1000 by 7."],
)
def test_not_aime_like(problem: str) -> None:
    assert not looks_like_aime(problem)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("70", 70),
        ("070", 70),
        ("70.0", 70),
        ("999", 999),
        ("0", 0),
        ("70.", 70),
        ("90°", 90),
        ("70.5", None),
        ("-3", None),
        ("3/4", None),
        ("1,000", None),
        ("", None),
        ("n = 204", 204),  # the model named what it boxed
        ("m + n = 33", 33),
        ("f(3) = 204", 204),
        ("204 ways", 204),
        ("116 degrees", 116),
        ("x = 5 or x = 7", None),
        ("x=5, y=7", None),
        ("2=3=4", None),
    ],
)
def test_aime_integer(text: str, value: int | None) -> None:
    assert aime_integer(text) == value


def test_aime_answer_in_range() -> None:
    card = answer_card("070", AIME_PROBLEM, truncated=False)
    assert card.aime_expected and card.fits_aime is True and card.note is None
    assert card.headline == "Final answer: 070"


def test_named_aime_answer_is_in_range() -> None:
    card = answer_card(r"m + n = \boxed{204}", AIME_PROBLEM, truncated=False)
    assert card.fits_aime is True and card.note is None


@pytest.mark.parametrize("final", ["1000", r"\frac{3}{4}", "-5", r"2\sqrt{2}", "n = 1000"])
def test_aime_answer_out_of_range(final: str) -> None:
    card = answer_card(final, AIME_PROBLEM, truncated=False)
    assert card.aime_expected and card.fits_aime is False and card.note == NOTE_NOT_AIME


def test_no_answer() -> None:
    assert answer_card(None, PLAIN_PROBLEM, truncated=True).headline == NO_ANSWER_TRUNCATED
    card = answer_card(None, PLAIN_PROBLEM, truncated=False)
    assert card.headline == NO_ANSWER and card.final_text == "" and card.latex is None
    assert answer_card("  ", AIME_PROBLEM, truncated=False).fits_aime is False


def test_truncated_answer_gets_a_note() -> None:
    card = answer_card("12", PLAIN_PROBLEM, truncated=True)
    assert card.headline == "Final answer: 12" and card.note and "ran out of room" in card.note


def test_headline_is_one_bounded_line() -> None:
    card = answer_card(
        r"\begin{pmatrix} 1 \\ 2 \end{pmatrix} + " + "x + " * 200 + "1", PLAIN_PROBLEM, truncated=False
    )
    assert "\n" not in card.headline and len(card.headline) <= 220 and card.headline.endswith("…")


def test_a_vote_stopped_early_says_how_many_samples_were_drawn_and_stopped() -> None:
    from mathbot.outcome import Vote

    full = Vote(samples=5, agree=3, answers=(("70", 3), ("81", 1), ("105", 1)))
    assert answer_card("70", AIME_PROBLEM, truncated=False, vote=full).note == (
        "3 of 5 samples agree; other answers: 81 (1), 105 (1)."
    )
    early = Vote(samples=7, agree=4, answers=(("70", 4), (r"\frac{1}{2}", 1)), stopped=2)
    assert answer_card("70", AIME_PROBLEM, truncated=False, vote=early).note == (
        "4 of 5 samples drawn agree; other answers: 1/2 (1). "
        "2 more were stopped early: they could not change the answer."
    )
    unanimous = Vote(samples=5, agree=3, answers=(("70", 3),), stopped=2)
    assert answer_card("70", AIME_PROBLEM, truncated=False, vote=unanimous).note == (
        "All 3 samples drawn agree. 2 more were stopped early: they could not change the answer."
    )
    one = Vote(samples=8, agree=5, answers=(("70", 5), ("12", 1)), failed=1, stopped=1)
    assert answer_card("70", AIME_PROBLEM, truncated=False, vote=one).note == (
        "5 of 7 samples drawn agree; other answers: 12 (1) (1 failed on the server). "
        "1 more was stopped early: it could not change the answer."
    )
