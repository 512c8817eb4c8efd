"""Self-consistency voting: answers group by meaning, in any sample order, majority first, never an error."""

from __future__ import annotations

import itertools
import random
import signal
from collections.abc import Sequence

import pytest

from mathbot import equivalence
from mathbot.vote import Tally, order, tally
from tests.core.vote_cases import VOTE_CASES, VoteCase


def test_aime_integers_group_by_value() -> None:
    result = tally(["070", "70", "72", None, "70.0", "72"])
    assert result.winner is not None and result.winner.answer == "70"
    assert result.winner.members == (0, 1, 4)
    assert result.agree == 3 and result.unanswered == 1 and result.samples == 6
    assert [g.answer for g in result.groups] == ["70", "72"]


def test_equivalent_latex_groups_through_math_verify() -> None:
    result = tally(["\\frac{1}{2}", "0.5", "\\dfrac{2}{4}", "\\frac{1}{3}", None, "\\tfrac12"])
    assert result.winner is not None
    assert result.winner.members == (0, 1, 2, 5)
    assert [len(g.members) for g in result.groups] == [4, 1]


def test_intervals_keep_their_brackets() -> None:
    result = tally(["[0,1)", "[0, 1)", "(0,1]"])
    assert [g.members for g in result.groups] == [(0, 1), (2,)]


def test_a_tie_goes_to_the_first_answer_in_canonical_order_not_the_first_sample() -> None:
    for finals in (["12", "15", "15", "12"], ["15", "12", "12", "15"]):
        winner = tally(finals).winner
        assert winner is not None and winner.answer == "12"
    assert order("9") < order("12") < order("-1") < order("\\frac{1}{2}")


def test_no_answers_at_all() -> None:
    assert tally([None, None]).winner is None
    assert tally([None, None]).unanswered == 2
    assert tally([]).agree == 0
    assert tally(["", "\\ ", None]).unanswered == 3


def test_out_of_time_falls_back_to_canonical_spellings_and_numbers() -> None:
    result = tally(["\\frac{1}{2}", "0.5", "\\dfrac{1}{2}", "0.50"], deadline=0.01)
    assert sorted(g.members for g in result.groups) == [(0, 2), (1, 3)]


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


def outcome(
    result: Tally, positions: Sequence[int]
) -> tuple[frozenset[frozenset[int]], str | None, tuple[int, ...]]:
    """The groups and winner of a tally of permuted samples, in the original samples' indexes."""
    groups = frozenset(frozenset(positions[m] for m in g.members) for g in result.groups)
    winner = result.winner
    return (
        groups,
        winner.answer if winner else None,
        tuple(sorted(positions[m] for m in winner.members)) if winner else (),
    )


def real_relation(finals: Sequence[str | None]) -> equivalence.Same:
    """The real comparison (math-verify included) of every pair of these answers, computed once."""
    texts = sorted({f.strip() for f in finals if f})
    pairs = [(a, b) for a in texts for b in texts]
    verdicts = dict(zip(pairs, equivalence.compare(pairs), strict=True))
    return lambda a, b: bool(verdicts[a.strip(), b.strip()])


@pytest.mark.parametrize("case", VOTE_CASES, ids=[c.name for c in VOTE_CASES])
def test_groups_by_meaning_in_every_order(case: VoteCase) -> None:
    """The expected groups and winner, and the same outcome for every permutation of the samples
    (exhaustive up to six samples, 2,000 random orders beyond; math-verify's verdicts computed once)."""
    result = tally(case.finals)
    assert tuple(frozenset(g.members) for g in result.groups) == case.groups
    assert result.winner is not None and result.winner.answer == case.winner
    n = len(case.finals)
    expected = outcome(result, range(n))
    same = real_relation(case.finals)
    assert outcome(tally(case.finals, same=same), range(n)) == expected
    rng = random.Random(n)
    permutations = (
        itertools.permutations(range(n)) if n <= 6 else (rng.sample(range(n), n) for _ in range(2000))
    )
    for positions in permutations:
        permuted = [case.finals[p] for p in positions]
        assert outcome(tally(permuted, same=same), positions) == expected, positions


@pytest.mark.parametrize("name", ["units", "a percent links its two readings"])
def test_permutations_through_the_math_verify_child(name: str) -> None:
    case = next(c for c in VOTE_CASES if c.name == name)
    n = len(case.finals)
    expected = outcome(tally(case.finals), range(n))
    for positions in random.Random(name).sample(list(itertools.permutations(range(n))), 2):
        assert outcome(tally([case.finals[p] for p in positions]), positions) == expected


def test_order_independence_under_random_non_transitive_relations() -> None:
    """Any symmetric relation, transitive or not, and every order of six samples: one outcome."""
    rng = random.Random(10)
    labels = ["a", "b", "c", "d", "e"]
    for _ in range(25):
        related = {frozenset(p) for p in itertools.combinations(labels, 2) if rng.random() < 0.3}

        def same(x: str, y: str, related: set[frozenset[str]] = related) -> bool:
            return x == y or frozenset((x, y)) in related

        finals: list[str | None] = [rng.choice([*labels, None]) for _ in range(6)]
        expected = outcome(tally(finals, same=same), range(6))
        for positions in itertools.permutations(range(6)):
            assert outcome(tally([finals[p] for p in positions], same=same), positions) == expected


def test_decided_only_when_no_pending_samples_can_change_the_winner() -> None:
    four_of_seven = tally(["5", "5", "5", "5", None, None, None][:4])
    assert four_of_seven.decided(pending=3)
    three_one = tally(["5", "5", "5", "7"])
    assert not three_one.decided(pending=3)  # 7 could reach 4
    assert three_one.decided(pending=1)
    assert not tally(["5", "5", "7", "8"]).decided(pending=1)  # one answer may link 7 and 8: a tie
    assert not tally(["5", "5"]).decided(pending=2)
    assert tally([None, None]).decided(pending=0) and not tally([None]).decided(pending=1)
