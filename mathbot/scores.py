"""Scores of an evaluation: pass@1, majority-vote accuracy (cons@k) and token statistics.

* **pass@1** of a problem: the share of its samples whose final answer is right (each graded against
  the official answer with `mathbot.equivalence`); of a set: the mean over its problems.
* **cons@K**: whether the majority answer of all K samples (`mathbot.vote.tally`, the users' vote:
  same grouping, same tie rule) is right.
* **cons@k for k < K**: the expected majority-vote accuracy of k samples drawn without replacement
  from the K: the average over all C(K, k) subsets, computed exactly by counting (no resampling).
  It is the unbiased estimator of cons@k from K samples (as pass@k's is of pass@k), and at k = K it
  is cons@K. The groups are those of the whole tally (an answer's group does not change with the
  subset) and ties go as the tally breaks them (to the group whose canonical answer comes first);
  a subset without any answer is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from mathbot import equivalence, vote


@dataclass(frozen=True)
class Scored:
    """One problem's K samples, scored."""

    accuracy: float
    """Share of the samples that are right (the problem's pass@1)."""
    majority: str | None
    """The majority answer of all K samples (None: no sample answered)."""
    majority_right: bool
    """Whether it is right (the problem's cons@K)."""
    curve: tuple[float, ...]
    """cons@k for k = 1..K."""


def score(finals: Sequence[str | None], correct: Sequence[bool], official: str) -> Scored:
    """Score one problem from its samples' final answers (None: none) and their grades, in sample order."""
    result = vote.tally(finals)
    right = equivalence.grade_all([g.answer for g in result.groups], official)
    ranked = sorted(
        zip(result.groups, right, strict=True),
        key=lambda pair: min(vote.order(equivalence.canonical(finals[i] or "")) for i in pair[0].members),
    )
    curve = consensus_curve([(len(g.members), ok) for g, ok in ranked], len(finals))
    return Scored(
        accuracy=sum(correct) / len(correct) if correct else 0.0,
        majority=result.winner.answer if result.winner else None,
        majority_right=bool(right and right[0]),
        curve=tuple(float(p) for p in curve),
    )


def consensus_curve(groups: Sequence[tuple[int, bool]], samples: int) -> list[Fraction]:
    """cons@k for k = 1..`samples`, exactly: `groups` are (size, right) in tie order (the first wins a
    tie), and `samples` counts the samples without an answer too.

    For a right group c to win a k-subset holding j of its members, every group before it may hold at
    most j - 1 members of the subset and every group after it at most j; the ways to fill the other
    k - j places are the coefficients of a product of truncated binomial polynomials.
    """
    unanswered = samples - sum(size for size, _ in groups)
    if unanswered < 0:
        raise ValueError("more answers than samples")
    wins = [0] * (samples + 1)
    for c, (size_c, right) in enumerate(groups):
        if not right:
            continue
        for j in range(1, size_c + 1):
            ways = [math.comb(unanswered, t) for t in range(unanswered + 1)]
            for g, (size_g, _) in enumerate(groups):
                if g != c:
                    most = min(size_g, j - 1 if g < c else j)
                    ways = _times(ways, [math.comb(size_g, t) for t in range(most + 1)], samples)
            for rest, count in enumerate(ways):
                if j + rest <= samples:
                    wins[j + rest] += math.comb(size_c, j) * count
    return [Fraction(wins[k], math.comb(samples, k)) for k in range(1, samples + 1)]


def _times(a: list[int], b: list[int], degree: int) -> list[int]:
    """The product of two polynomials (coefficient lists), up to `degree`."""
    out = [0] * min(len(a) + len(b) - 1, degree + 1)
    for i, x in enumerate(a):
        if x:
            for j, y in enumerate(b[: len(out) - i]):
                out[i + j] += x * y
    return out


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (`share` 0.9: the p90): the smallest value at or above that share."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]
