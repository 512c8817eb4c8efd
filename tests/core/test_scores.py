"""Evaluation scores: pass@1, cons@K and the exact cons@k curve, checked against every subset."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

from mathbot.scores import consensus_curve, percentile, score


def every_subset(groups: list[tuple[int, bool]], samples: int) -> list[Fraction]:
    """cons@k by brute force: the majority of each k-subset, ties to the group listed first."""
    labels: list[int | None] = [g for g, (size, _) in enumerate(groups) for _ in range(size)]
    labels += [None] * (samples - len(labels))
    curve = []
    for k in range(1, samples + 1):
        right = total = 0
        for subset in itertools.combinations(labels, k):
            counts: dict[int, int] = {}
            for label in subset:
                if label is not None:
                    counts[label] = counts.get(label, 0) + 1
            total += 1
            if counts:
                right += groups[min(counts, key=lambda g: (-counts[g], g))][1]
        curve.append(Fraction(right, total))
    return curve


def test_the_curve_is_the_average_over_every_subset() -> None:
    rng = random.Random(3)
    for _ in range(200):
        samples = rng.randint(1, 9)
        sizes, left = [], samples
        while left and rng.random() < 0.85:
            sizes.append(rng.randint(1, left))
            left -= sizes[-1]
        groups = [(size, rng.random() < 0.4) for size in sizes]
        assert consensus_curve(groups, samples) == every_subset(groups, samples), (groups, samples)


def test_a_known_mix_scores_exactly() -> None:
    # 70 twice (right), 105 and 81 once: pairs of one right and one wrong answer tie, and the tie goes to 70
    scored = score(["70", "105", "70", "81"], [True, False, True, False], "70")
    assert scored.accuracy == 0.5 and scored.majority == "70" and scored.majority_right
    assert scored.curve == (0.5, 5 / 6, 1.0, 1.0)
    # two right answers written two ways against two "3": a tie that "3" (an integer) wins
    scored = score(["3, -5", "3", "-5, 3", "3"], [True, False, True, False], "3, -5")
    assert scored.majority == "3" and not scored.majority_right
    assert scored.curve == (0.5, 1 / 6, 0.5, 0.0)


def test_no_answer_at_all_is_wrong_at_every_k() -> None:
    scored = score([None, None, None], [False, False, False], "70")
    assert scored.majority is None and not scored.majority_right and scored.curve == (0.0, 0.0, 0.0)
    assert consensus_curve([(1, True)], 3) == [Fraction(1, 3), Fraction(2, 3), Fraction(1)]


def test_sixty_four_samples_are_counted_quickly_and_exactly() -> None:
    groups = [(30, True), *([(2, False)] * 10), *([(1, False)] * 10), (1, True)]
    curve = consensus_curve(groups, 64)
    assert curve[0] == Fraction(31, 64) and curve[-1] == 1
    assert all(0 <= p <= 1 for p in curve)


def test_percentile_is_nearest_rank() -> None:
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile([5.0], 0.9) == 5.0 and percentile([], 0.9) == 0.0
