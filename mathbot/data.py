"""Where the competition problem sets are: the one lookup used by the demo, the simulator and benchmarks.

The sets (AIME 2024/2025, HMMT 2025, AMC 2023, MATH-500: JSONL files with `problem`, `answer`, `id`)
are not part of the repository; they sit in a `shared/data` folder beside the checkout. The folder is
MATHBOT_DATA_DIR when it is set (and then only that one), else the first of these that exists:
`../shared/data` beside the working directory, `../shared/data` beside the checkout, `/work/shared/data`
(where the project's own machines keep them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CHECKOUT = Path(__file__).resolve().parents[1]
"""The repository checkout this module runs from (its parent may hold `shared/data`)."""

WORK_DATA_DIR = Path("/work/shared/data")
"""Where the project's machines keep the problem sets, for a checkout anywhere else."""

VARIABLE = "MATHBOT_DATA_DIR"
"""The setting that names the folder outright (`Settings.data_dir`)."""


def candidates(configured: str | Path | None = None) -> tuple[Path, ...]:
    """The folders looked at, in order: `configured` (MATHBOT_DATA_DIR) alone when it is set."""
    if configured:
        return (Path(configured).expanduser(),)
    return (Path.cwd().parent / "shared" / "data", CHECKOUT.parent / "shared" / "data", WORK_DATA_DIR)


def data_dir(configured: str | Path | None = None) -> Path | None:
    """The folder of problem sets: the first of `candidates(configured)` that exists, else None."""
    return next((folder for folder in candidates(configured) if folder.is_dir()), None)


def looked_in(configured: str | Path | None = None) -> str:
    """Where `data_dir` looked, for a message saying the sets were not found."""
    if configured:
        return f"{VARIABLE}={configured}"
    return ", ".join(str(folder) for folder in candidates())


def set_names(folder: Path) -> list[str]:
    """The problem sets in `folder` (`aime_2025` for `aime_2025.jsonl`), sorted."""
    return sorted(path.stem for path in folder.glob("*.jsonl"))


def rows(folder: Path, name: str) -> list[dict[str, Any]]:
    """Every problem of set `name` in `folder` (raises FileNotFoundError when it is not there)."""
    with (folder / f"{name}.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]
