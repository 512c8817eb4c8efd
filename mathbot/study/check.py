"""Check my answer: a verdict on someone's answer, against the official one or mathbot's majority.

Against the problem bank's official answer, the verdict is certain: correct or not (no generation).
Otherwise mathbot solves the problem MATHBOT_VOTE_SAMPLES times and the verdict is about its majority
answer: correct (the same), wrong (not what mathbot got), or unsure when no answer has more than half
of the samples (then mathbot does not know either). Answers are compared as mathematics
(`mathbot.equivalence`, the comparison of votes), never as strings. A verdict never holds the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mathbot import equivalence
from mathbot.outcome import Answer

Outcome = Literal["correct", "wrong", "unsure"]


@dataclass(frozen=True)
class Verdict:
    """Whether `given` is right, and how sure mathbot is; nothing that gives the answer away."""

    outcome: Outcome
    given: str
    official: bool
    """Graded against the bank's official answer (certain), else against mathbot's samples."""
    source: str = ""
    """Where the official answer comes from (`AIME 2025 #1`)."""
    samples: int = 0
    """Samples drawn to the end (a vote decided early stops the rest: `stopped`)."""
    agree: int = 0
    """Samples that gave mathbot's (majority) answer."""
    matches: int = 0
    """Samples that gave `given`."""
    stopped: int = 0
    """Samples stopped once they could no longer change mathbot's answer (not in `samples`)."""


def against_official(given: str, official: str, source: str = "") -> Verdict:
    """The verdict on `given` for a problem whose official answer is known (no generation)."""
    right = equivalence.grade(given, official)
    return Verdict("correct" if right else "wrong", given, official=True, source=source)


def clear_majority(agree: int, samples: int) -> bool:
    """Whether mathbot's own answer has more than half of the samples."""
    return agree * 2 > samples


def against_answer(given: str, answer: Answer) -> Verdict:
    """The verdict on `given` against mathbot's answer: the majority of its samples when it voted
    (`answer.vote`), else its one answer (as sure as one sample can be)."""
    if answer.vote is not None:
        groups = list(answer.vote.answers)
        samples, agree = answer.vote.samples - answer.vote.stopped, answer.vote.agree
        stopped = answer.vote.stopped
    else:
        final = None if answer.truncated else answer.final
        groups = [(final, 1)] if final else []
        samples, agree, stopped = 1, 1 if final else 0, 0
    same = equivalence.compare([(given, shown) for shown, _ in groups]) if groups else []
    matches = sum(count for (_, count), equal in zip(groups, same, strict=True) if equal)
    if not groups or not clear_majority(agree, samples):
        outcome: Outcome = "unsure"
    else:
        outcome = "correct" if same[0] else "wrong"
    return Verdict(
        outcome, given, official=False, samples=samples, stopped=stopped, agree=agree, matches=matches
    )
