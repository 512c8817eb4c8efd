"""Competition problem sets: JSONL files of `problem` and official `answer`, found by name or by path.

A name (`aime_2025`) is looked up as `<name>.jsonl` in the folder of problem sets (`mathbot.data`, the
one lookup: MATHBOT_DATA_DIR, else ../shared/data beside the working directory or the checkout, else
`/work/shared/data`). Anything that names a file (it ends in `.jsonl`, holds a `/`, or exists) is read
as one. Each line is a JSON object with `problem` (or `question`) and `answer`; `id` (or `unique_id`)
names the problem, else its line number. `rows` reads the lines of this format for every reader of it
(`load` here, strict; the study bank and the simulator's known problems, which skip bad lines).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from mathbot import data, messages
from mathbot.errors import InputError

SUFFIX = ".jsonl"

NOT_JSON: Final = object()
"""What `rows` gives for a line that is not JSON."""


@dataclass(frozen=True)
class Problem:
    """One problem of a set, with its official answer as LaTeX (`70`, `\\frac{1}{2}`, `3, -5`)."""

    set: str
    id: str
    problem: str
    answer: str

    @property
    def digest(self) -> str:
        """A short fingerprint of the text and answer: a result belongs to this problem, not a namesake."""
        return hashlib.sha256(f"{self.problem}\0{self.answer}".encode()).hexdigest()[:12]


@dataclass(frozen=True)
class ProblemSet:
    name: str
    path: Path
    problems: tuple[Problem, ...]


def data_dirs(configured: Path | None) -> list[Path]:
    """The folder searched for a set name (`mathbot.data.data_dir`), in a list: empty when there is none."""
    found = data.data_dir(configured)
    return [found] if found else []


def available(configured: Path | None) -> list[str]:
    """Every set name found in the data folders."""
    return sorted({p.stem for folder in data_dirs(configured) for p in folder.glob(f"*{SUFFIX}")})


def is_path(spec: str) -> bool:
    return spec.endswith(SUFFIX) or "/" in spec or Path(spec).is_file()


def load(spec: str, configured: Path | None = None) -> ProblemSet:
    """The set a command-line argument names (a set name or a JSONL file); `InputError` with one line
    saying what is wrong otherwise (unknown name, unreadable file, a line without problem or answer)."""
    if is_path(spec):
        path = Path(spec).expanduser()
    else:
        found = [d / f"{spec}{SUFFIX}" for d in data_dirs(configured) if (d / f"{spec}{SUFFIX}").is_file()]
        if not found:
            raise InputError(messages.unknown_set(spec, available(configured)))
        path = found[0]
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(messages.unreadable_set(str(path), exc.strerror or type(exc).__name__)) from None
    except UnicodeDecodeError:
        raise InputError(messages.unreadable_set(str(path), "it is not UTF-8 text")) from None
    name = path.stem
    problems = [_problem(name, path, number, row) for number, row in rows(text)]
    if not problems:
        raise InputError(messages.unreadable_set(str(path), "it holds no problems"))
    return ProblemSet(name, path, tuple(problems))


def rows(text: str) -> Iterator[tuple[int, Any]]:
    """The non-blank lines of a problem set file's text, numbered from 1, each as its JSON value
    (`NOT_JSON` for a line that is not JSON): what a bad line costs is its reader's choice."""
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            row = NOT_JSON
        yield number, row


def row_id(row: dict[str, Any], number: int) -> str:
    """A row's problem id: its `id`, else its `unique_id`, else its line number."""
    return str(row.get("id", row.get("unique_id", number)))


def _problem(name: str, path: Path, number: int, row: Any) -> Problem:
    if not isinstance(row, dict):
        raise InputError(messages.unreadable_set(f"{path}:{number}", "not a JSON object"))
    text = row.get("problem") or row.get("question")
    if not isinstance(text, str) or not text.strip() or row.get("answer") in (None, ""):
        raise InputError(messages.unreadable_set(f"{path}:{number}", "it needs a `problem` and an `answer`"))
    return Problem(name, row_id(row, number), text, answer_text(row["answer"]))


def answer_text(value: object) -> str:
    """An official answer as LaTeX: 70 and 70.0 both give `70`; strings pass through, trimmed."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
