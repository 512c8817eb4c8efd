"""Self-consistency: group several samples' final answers by meaning, the majority first.

Sampling the model k times and taking the most common final answer is worth ~20 points on AIME
for Fathom-R1-14B (pass@1 52.7 % → cons@64 76.7 %), so mathbot offers it to users ("Check with
more samples"). Answers are compared with `mathbot.equivalence` (canonical spelling, exact numbers,
then math-verify both ways in a child process): `12 \\text{ m}` = `12`, `35\\%` = `35 percent`,
`\\dfrac{15}{8}` = `1.875`, `x=3` = `3`, while the pair `14, 205` is not 14205.

The grouping depends on the answers, never on the order the samples came in:

* A group is a chain of equal answers (the connected components of "same answer"). math-verify's
  equality is not transitive (`35\\%` equals both `35` and `0.35`); chaining makes the groups
  independent of which answer is looked at first, and adding samples only ever merges groups.
* A group is shown by its most common canonical answer (an integer plainly: `070` → `70`), in the
  spelling most of those samples used; ties between spellings go to the shorter, then the first in
  character order.
* Groups are ordered by size; **a tie in size goes to the group whose canonical answer comes first**:
  integers by value, before any other answer, then other answers in character order. Arbitrary but
  reproducible: the same answers always elect the same winner, whichever sample finished first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from mathbot import boxes
from mathbot.equivalence import VERIFY_DEADLINE, Same, canonical, partition


@dataclass(frozen=True)
class Group:
    """Samples whose final answers are the same mathematics; `answer` is how the group is shown."""

    answer: str
    members: tuple[int, ...]
    """Indexes of the samples (in the order given) that gave this answer, ascending."""


@dataclass(frozen=True)
class Tally:
    """The answers of `samples` samples, grouped; the largest group first (ties: see the module)."""

    groups: tuple[Group, ...]
    samples: int

    @property
    def winner(self) -> Group | None:
        return self.groups[0] if self.groups else None

    @property
    def agree(self) -> int:
        """Samples that gave the winning answer."""
        return len(self.groups[0].members) if self.groups else 0

    @property
    def unanswered(self) -> int:
        """Samples with no final answer (truncated, or no \\boxed{})."""
        return self.samples - sum(len(g.members) for g in self.groups)

    def decided(self, pending: int) -> bool:
        """True when no answers of `pending` more samples can change the winner.

        Sound for chained groups: one new answer may link several groups into one, so the winner is
        safe only when it outnumbers all other answers and the pending samples together (a tie
        could go either way). With no answer yet, only an empty vote with nothing pending is decided.
        """
        if not self.groups:
            return pending == 0
        others = sum(len(g.members) for g in self.groups[1:])
        return self.agree > others + pending


def order(key: str) -> tuple[int, int, str]:
    """The order of canonical answers that breaks ties: integers by value, then the rest as text."""
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


def tally(
    finals: Sequence[str | None], *, same: Same | None = None, deadline: float = VERIFY_DEADLINE
) -> Tally:
    """Group the samples' final answers (None or an empty answer: that sample gave none).

    `same` replaces the comparison of two answers (tests); by default `mathbot.equivalence`, its
    math-verify child bounded by `deadline` seconds (past it, canonical spellings and exact numbers
    still group; a vote is never an error).
    """
    by_key: dict[str, list[int]] = {}
    for index, final in enumerate(finals):
        if final is not None and not boxes.is_blank(final):
            by_key.setdefault(canonical(final), []).append(index)
    keys = sorted(by_key, key=order)
    spelling = {key: _spelling([finals[i] or "" for i in by_key[key]]) for key in keys}
    labels = partition([spelling[key] for key in keys], same=same, deadline=deadline)
    clusters: dict[int, list[str]] = {}
    for key, label in zip(keys, labels, strict=True):
        clusters.setdefault(label, []).append(key)
    groups = []
    for cluster in clusters.values():
        shown = min(cluster, key=lambda k: (-len(by_key[k]), order(k)))
        members = tuple(sorted(i for k in cluster for i in by_key[k]))
        groups.append(
            (Group(shown if shown.isdigit() else spelling[shown], members), min(map(order, cluster)))
        )
    groups.sort(key=lambda pair: (-len(pair[0].members), pair[1]))
    return Tally(tuple(group for group, _ in groups), len(finals))


def _spelling(written: list[str]) -> str:
    """The most common way the samples wrote one canonical answer (ties: shorter, then text order)."""
    counts = Counter(w.strip() for w in written)
    return min(counts, key=lambda w: (-counts[w], len(w), w))
