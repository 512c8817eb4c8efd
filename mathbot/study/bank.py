"""The operator's problem bank: JSONL files of problems with official answers, looked up by problem text.

MATHBOT_PROBLEM_BANK is a directory; every `*.jsonl` file in it is a set named after the file
(`aime_2025.jsonl` is the set `aime_2025`, shown as "AIME 2025"). A row needs `problem` (or `question`)
and `answer`; `solution`, `source` and `difficulty` are optional (MATH's `level` counts as difficulty).
Numeric answers are read as LaTeX (`70.0` is `70`). Rows without an answer and lines that are not JSON
are skipped with a warning.

A problem is found by its text however it was pasted: math delimiters, whitespace and case aside, an
exact match, or a longer message that contains the whole problem ("Problem 3: …"), or most of a problem
(a paste that lost its last sentence). The bank is read once per process and again when a file changes.
"""

from __future__ import annotations

import logging
import random
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from mathbot import problemsets

log = logging.getLogger(__name__)

MIN_CONTAINED_CHARS = 40
"""A problem found inside a longer message must be at least this long (normalised): short texts such
as "Find x." would match too much."""

MOST_OF_PROBLEM = 0.8
"""A message that is part of a problem counts as that problem when it has this share of its text."""

_DELIMITERS = re.compile(r"\\[()\[\]]|\$")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Problem:
    """One problem of the bank, with its official answer."""

    set: str
    """The file it comes from, without `.jsonl` (`aime_2025`)."""
    id: str
    problem: str
    answer: str
    """The official answer, as LaTeX."""
    solution: str | None = None
    source: str = ""
    """Where it is from, as shown (`AIME 2025 #1`)."""
    difficulty: str | None = None

    @property
    def key(self) -> str:
        """A stable id of the problem in the bank: `<set>#<id>`."""
        return f"{self.set}#{self.id}"


def normalize(text: str) -> str:
    """The text as compared: Unicode-normalised, no math delimiters, no whitespace, lower case."""
    text = unicodedata.normalize("NFKC", text)
    return _SPACE.sub("", _DELIMITERS.sub("", text)).lower()


def set_label(name: str) -> str:
    """A set's name as people write it: `aime_2025` → `AIME 2025`, `math_500` → `MATH 500`."""
    words = re.split(r"[_\-\s]+", name.strip())
    return " ".join(w.upper() if w.isalpha() and len(w) <= 5 else w for w in words if w)


def _set_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


class Bank:
    """The problems of a bank directory, indexed by normalised text."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        self._by_text: dict[str, Problem] = {}
        for problem in self.problems:
            self._by_text.setdefault(normalize(problem.problem), problem)
        self._by_key = {p.key: p for p in self.problems}

    def __len__(self) -> int:
        return len(self.problems)

    def get(self, key: str) -> Problem | None:
        """The problem with `Problem.key` `key`."""
        return self._by_key.get(key)

    def sets(self) -> dict[str, int]:
        """Set name → number of problems, in file order."""
        counts: dict[str, int] = {}
        for problem in self.problems:
            counts[problem.set] = counts.get(problem.set, 0) + 1
        return counts

    def find(self, text: str) -> Problem | None:
        """The bank's problem that `text` is (see the module docstring), or None."""
        norm = normalize(text)
        if not norm:
            return None
        exact = self._by_text.get(norm)
        if exact is not None:
            return exact
        best: Problem | None = None
        best_length = 0
        for known, problem in self._by_text.items():
            contained = len(known) >= MIN_CONTAINED_CHARS and known in norm
            most = (
                len(norm) >= MIN_CONTAINED_CHARS
                and norm in known
                and len(norm) >= MOST_OF_PROBLEM * len(known)
            )
            if (contained or most) and len(known) > best_length:
                best, best_length = problem, len(known)
        return best

    def choose(
        self,
        rng: random.Random,
        *,
        set_name: str | None = None,
        difficulty: str | None = None,
        avoid: Iterable[str] = (),
    ) -> Problem | None:
        """A random problem of the set (any set: None; the name as file or label) and difficulty (any:
        None), preferring those whose key is not in `avoid` (posted recently); None when none fits."""
        fitting = [p for p in self.problems if _fits(p, set_name, difficulty)]
        if not fitting:
            return None
        recent = set(avoid)
        fresh = [p for p in fitting if p.key not in recent]
        return rng.choice(fresh or fitting)

    def knows_set(self, name: str) -> bool:
        return any(_set_key(name) == _set_key(s) for s in self.sets())


def _fits(problem: Problem, set_name: str | None, difficulty: str | None) -> bool:
    if set_name and _set_key(set_name) != _set_key(problem.set):
        return False
    return not difficulty or (problem.difficulty or "").lower() == difficulty.strip().lower()


def read_set(path: Path) -> list[Problem]:
    """The problems of one JSONL file (bad lines and rows without an answer skipped, with a warning)."""
    problems = []
    label = set_label(path.stem)
    for number, row in problemsets.rows(path.read_text(encoding="utf-8")):
        if row is problemsets.NOT_JSON:
            log.warning("problem bank %s line %d is not JSON: skipped", path.name, number)
            continue
        text = row.get("problem") or row.get("question") if isinstance(row, dict) else None
        if not text or row.get("answer") is None or not str(row["answer"]).strip():
            log.warning("problem bank %s line %d has no problem or no answer: skipped", path.name, number)
            continue
        row_id = problemsets.row_id(row, number)
        difficulty = row.get("difficulty", row.get("level"))
        problems.append(
            Problem(
                set=path.stem,
                id=row_id,
                problem=str(text).strip(),
                answer=problemsets.answer_text(row["answer"]),
                solution=str(row["solution"]) if row.get("solution") else None,
                source=str(row.get("source") or f"{label} #{row_id}"),
                difficulty=str(difficulty) if difficulty is not None else None,
            )
        )
    return problems


def load(directory: str | None) -> Bank:
    """The bank in `directory` (an empty bank when it is unset or missing), read again when a file in it
    changed since the last call."""
    if not directory:
        return Bank([])
    folder = Path(directory)
    if not folder.is_dir():
        log.warning("MATHBOT_PROBLEM_BANK=%s is not a directory: the problem bank is empty", directory)
        return Bank([])
    files = sorted(folder.glob("*.jsonl"))
    signature = tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    return _read(str(folder), signature)


@lru_cache(maxsize=4)
def _read(directory: str, signature: tuple[tuple[str, int, int], ...]) -> Bank:
    problems = [p for name, _, _ in signature for p in read_set(Path(directory) / name)]
    log.info("problem bank %s: %d problems in %d sets", directory, len(problems), len(signature))
    return Bank(problems)
