"""Self-consistency voting: equivalent answers group together, majority first, never an error."""

from __future__ import annotations

import signal

from mathbot.vote import normalize, tally


def test_aime_integers_group_by_value() -> None:
    result = tally(["070", "70", "72", None, "70.0", "72"])
    assert result.winner is not None and result.winner.answer == "70"
    assert result.winner.members == (0, 1, 4)
    assert result.agree == 3 and result.unanswered == 1 and result.samples == 6
    assert [g.answer for g in result.groups] == ["70", "72"]


def test_equivalent_latex_groups_through_math_verify() -> None:
    result = tally(["\\frac{1}{2}", "0.5", "\\dfrac{2}{4}", "\\frac{1}{3}", None, "\\tfrac12"])
    assert result.winner is not None
    assert result.winner.answer == "\\frac{1}{2}"
    assert result.winner.members == (0, 1, 2, 5)
    assert [len(g.members) for g in result.groups] == [4, 1]


def test_intervals_keep_their_brackets() -> None:
    result = tally(["[0,1)", "[0, 1)", "(0,1]"])
    assert [g.members for g in result.groups] == [(0, 1), (2,)]


def test_a_tie_goes_to_the_earliest_answer() -> None:
    result = tally(["12", "15", "15", "12"])
    assert result.winner is not None and result.winner.answer == "12"


def test_no_answers_at_all() -> None:
    assert tally([None, None]).winner is None
    assert tally([None, None]).unanswered == 2
    assert tally([]).agree == 0


def test_out_of_time_falls_back_to_text_comparison() -> None:
    result = tally(["\\frac{1}{2}", "0.5"], deadline=0.01)
    assert [g.members for g in result.groups] == [(0,), (1,)]


def test_a_pending_job_alarm_survives_a_vote() -> None:
    """RQ's job timeout is a SIGALRM: math-verify must not cancel or replace it."""
    previous = signal.signal(signal.SIGALRM, lambda *_: None)
    try:
        signal.alarm(300)
        tally(["\\frac{1}{2}", "0.5", "\\sqrt{2}"])
        remaining = signal.alarm(0)
        assert 290 <= remaining <= 300
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_normalize_ignores_presentation() -> None:
    assert normalize("\\left( 3, \\tfrac{1}{2} \\right)") == "(3,\\frac{1}{2})"
    assert normalize("45^\\circ") == "45"
    assert normalize("\\text{ 12 }.") == "12"
