"""Known competition problems (the shared *.jsonl sets), so the simulator can box the official answer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from mathbot import problemsets

logger = logging.getLogger(__name__)

MIN_CONTAINMENT_CHARS = 40
"""A partial match (one text inside the other) counts only when the shorter text is at least this long."""


@dataclass(frozen=True)
class Problem:
    """One problem of a set: where it comes from, its text (whitespace-normalised) and official answer."""

    source: str
    id: str
    text: str
    answer: str
    samples: tuple[str, ...] = ()
    """The row's `sim_answers`: what sampled generations box, in turn by seed (seed mod their number),
    instead of --accuracy's draw: a problem whose right/wrong mix is known (tests of evaluation)."""


def normalize(text: str) -> str:
    """Collapse all whitespace runs to one space."""
    return " ".join(text.split())


class ProblemBank:
    """Problems indexed by normalised text; `find` matches exactly or by containment."""

    def __init__(self, problems: list[Problem]) -> None:
        self._problems = problems
        self._exact = {p.text: p for p in problems}

    @classmethod
    def from_dir(cls, data_dir: str | None) -> ProblemBank:
        """Load every `*.jsonl` in `data_dir` (fields `problem` or `question`, and `answer`)."""
        if not data_dir:
            return cls([])
        problems: list[Problem] = []
        for path in sorted(Path(data_dir).glob("*.jsonl")):
            for number, row in problemsets.rows(path.read_text(encoding="utf-8")):
                if row is problemsets.NOT_JSON:
                    logger.warning("skipping bad JSON at %s:%d", path, number)
                    continue
                if not isinstance(row, dict) or row.get("answer") is None:
                    continue
                row_id = problemsets.row_id(row, number)
                texts = {normalize(str(row[k])) for k in ("problem", "question") if row.get(k)}
                samples = tuple(problemsets.answer_text(a) for a in row.get("sim_answers") or ())
                answer = problemsets.answer_text(row["answer"])
                problems += [Problem(path.stem, row_id, t, answer, samples) for t in texts if t]
        logger.info("loaded %d known problems from %s", len(problems), data_dir)
        return cls(problems)

    def __len__(self) -> int:
        return len(self._problems)

    def find(self, text: str) -> Problem | None:
        """The known problem `text` is (or contains, or is a long part of); the longest match wins."""
        norm = normalize(text)
        if not norm:
            return None
        if norm in self._exact:
            return self._exact[norm]
        best: Problem | None = None
        for problem in self._problems:
            shorter = min(len(problem.text), len(norm))
            if shorter < MIN_CONTAINMENT_CHARS:
                continue
            if (problem.text in norm or norm in problem.text) and (
                best is None or len(problem.text) > len(best.text)
            ):
                best = problem
        return best
