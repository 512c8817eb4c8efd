"""Self-consistency: group several samples' final answers by mathematical equivalence, majority first.

Sampling the model k times and taking the most common final answer is worth ~20 points on AIME
for Fathom-R1-14B (pass@1 52.7 % → cons@64 76.7 %), so mathbot offers it to users ("Check with
more samples"). Answers are first compared as normalised strings (AIME integers, identical LaTeX);
only answers that still differ are compared with math-verify (`\\frac{1}{2}` = `0.5` = `\\tfrac12`).

math-verify bounds its work with SIGALRM, the signal RQ uses for job timeouts: called inside a job
it would silently cancel the job's timeout. So it runs in a forked child process with its own
timeouts on, under a hard deadline; when that child fails or runs out of time, the string
grouping stands (never an error: a vote is a bonus over the answers themselves).
"""

from __future__ import annotations

import logging
import multiprocessing
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

VERIFY_DEADLINE = 30.0
"""Seconds the math-verify child may take for one tally before the string grouping stands."""

VERIFY_TIMEOUT = 5
"""math-verify's own per-call timeout (parse and verify), seconds, inside the child process."""


@dataclass(frozen=True)
class Group:
    """Samples whose final answers are equivalent; `answer` is the first one's LaTeX."""

    answer: str
    members: tuple[int, ...]
    """Indexes of the samples (in the order given) that gave this answer."""


@dataclass(frozen=True)
class Tally:
    """The answers of `samples` samples, grouped; the largest group first (ties: the earliest)."""

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


_SPACING = re.compile(r"\\[,;:! ]|\\q?quad\b|~")
_SIZING = re.compile(r"\\(?:left|right|big|Big|bigg|Bigg)(?![a-zA-Z])")
_TEXT = re.compile(r"\\(?:text|mathrm|textbf|mathbf|operatorname)\s*\{([^{}]*)\}")
_DEGREES = re.compile(r"\^\s*\{?\\circ\}?|°")
_INTEGER = re.compile(r"[+]?0*(\d+)(?:\.0+)?")


def normalize(answer: str) -> str:
    """A canonical string for cheap comparison: spacing, sizing, \\text{}, degrees and \\dfrac ignored."""
    text = _TEXT.sub(r"\1", answer)
    text = _SIZING.sub("", _SPACING.sub("", text))
    text = _DEGREES.sub("", text).replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    text = re.sub(r"\s+", "", text).rstrip(".").strip("$")
    integer = _INTEGER.fullmatch(text)
    return str(int(integer.group(1))) if integer else text


Same = Callable[[str, str], bool]


def tally(
    finals: Sequence[str | None], *, same: Same | None = None, deadline: float = VERIFY_DEADLINE
) -> Tally:
    """Group the samples' final answers (None: that sample gave none).

    `same` decides equivalence of two normalised-different answers; by default math-verify, in a
    child process bounded by `deadline` seconds.
    """
    # Pass 1: identical normalised strings.
    by_key: dict[str, list[int]] = {}
    first: dict[str, str] = {}
    for index, final in enumerate(finals):
        key = normalize(final) if final is not None else ""
        if key:
            by_key.setdefault(key, []).append(index)
            first.setdefault(key, final or "")
    keys = list(by_key)
    # Pass 2: merge keys that are mathematically equal (only when more than one distinct answer).
    merged = _merge(keys, same, deadline) if len(keys) > 1 else [[k] for k in keys]
    groups = [
        Group(_shown(cluster[0], first), tuple(sorted(i for k in cluster for i in by_key[k])))
        for cluster in merged
    ]
    groups.sort(key=lambda g: (-len(g.members), g.members[0]))
    return Tally(tuple(groups), len(finals))


def _shown(key: str, first: dict[str, str]) -> str:
    """How a group's answer is shown: an integer plainly (`070` → `70`), else the first sample's LaTeX."""
    return key if key.isdigit() else first[key]


def _merge(keys: list[str], same: Same | None, deadline: float) -> list[list[str]]:
    """Clusters of keys (greedy: each joins the first cluster whose representative equals it)."""
    if same is not None:
        return _cluster(keys, same)
    context = multiprocessing.get_context("fork")  # a fresh process: math-verify's SIGALRM is its own
    pool = context.Pool(1)
    try:
        return pool.apply_async(_cluster_math_verify, (keys,)).get(timeout=deadline)
    except Exception as exc:  # timeout, a crash, math-verify missing: the string grouping stands
        log.warning("math-verify grouping failed (%s): answers compared as text", type(exc).__name__)
        return [[k] for k in keys]
    finally:
        pool.terminate()
        pool.join()


def _cluster(keys: list[str], same: Same) -> list[list[str]]:
    clusters: list[list[str]] = []
    for key in keys:
        for cluster in clusters:
            if same(cluster[0], key):
                cluster.append(key)
                break
        else:
            clusters.append([key])
    return clusters


def _cluster_math_verify(keys: list[str]) -> list[list[str]]:
    """In the child process: parse each answer once, then compare representatives pairwise."""
    from math_verify import parse, verify

    parsed = {k: parse(f"${k}$", parsing_timeout=VERIFY_TIMEOUT) for k in keys}

    def same(a: str, b: str) -> bool:
        left, right = parsed[a], parsed[b]
        return bool(left and right and verify(left, right, timeout_seconds=VERIFY_TIMEOUT))

    return _cluster(keys, same)
