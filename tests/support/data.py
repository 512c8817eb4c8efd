"""The shared competition problem sets, for tests: where they are (one lookup) and their rows.

They are never copied into the repository. The folder is the product's own lookup (`mathbot.data`:
MATHBOT_DATA_DIR alone when set, else ../shared/data beside the working directory or the checkout, else
/work/shared/data); where none is there, tests that need the data skip (`require_data`, or
`pytest.mark.skipif(not DATA_DIR.is_dir(), reason=NO_DATA)`).
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from mathbot import data

CANDIDATES = data.candidates(os.environ.get(data.VARIABLE))
"""The folders looked at, in order (MATHBOT_DATA_DIR alone when it is set)."""

DATA_DIR = data.data_dir(os.environ.get(data.VARIABLE)) or CANDIDATES[0]
"""The first candidate that exists (else the first one, which does not)."""

NO_DATA = "the shared problem sets are not here (set MATHBOT_DATA_DIR to their folder)"


def require_data() -> None:
    """Skip the calling test (or, at import, its whole module) when the problem sets are not here."""
    if not DATA_DIR.is_dir():
        pytest.skip(NO_DATA, allow_module_level=True)


def rows(name: str) -> list[dict[str, Any]]:
    """Every row of problem set `name` (e.g. "aime_2025"); skips the test when the data is absent."""
    require_data()
    path = DATA_DIR / f"{name}.jsonl"
    if not path.is_file():
        pytest.skip(f"{path.name} is not in {DATA_DIR}", allow_module_level=True)
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def problem(name: str, problem_id: int) -> dict[str, Any]:
    """Row `problem_id` of problem set `name` (the simulator boxes its official answer)."""
    found = next((row for row in rows(name) if row["id"] == problem_id), None)
    if found is None:
        raise LookupError(f"{name} has no problem {problem_id}")
    return found


def aime(problem_id: int) -> dict[str, Any]:
    """A problem of AIME 2025, the set the flow tests ask from."""
    return problem("aime_2025", problem_id)
