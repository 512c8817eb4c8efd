"""An evaluation's folder (--out): what was asked and what came back, on disk as it happens.

    run.json        the run's id (its results stream) and the configuration the samples were drawn with
    jobs.jsonl      every sample handed to the queue: which question (job) answers it, and when
    <set>.jsonl     every finished sample, graded: the results, one JSON object a line
    summary.json, accuracy.png   the report of the last completed run
    .lock           held while a run writes here (a second run on the same folder is refused)

Both JSONL files are only appended to, a line at a time, each line flushed as it is written; a line
cut short by a kill is skipped when read. A sample is done once its line is in `<set>.jsonl`; the same
command run again skips it. Samples are keyed by set, problem id, a digest of the problem and answer
(a namesake set with other problems never mixes in), and their index 0..K-1 (a run at K = 64 reuses
the first 8 samples of a run at K = 8).
"""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple

from mathbot import messages
from mathbot.errors import InputError
from mathbot.problemsets import Problem
from mathbot.settings import Settings


class SampleKey(NamedTuple):
    set: str
    problem: str
    digest: str
    sample: int

    @classmethod
    def of(cls, problem: Problem, sample: int) -> SampleKey:
        return cls(problem.set, problem.id, problem.digest, sample)


@dataclass(frozen=True)
class Record:
    """One finished sample, graded."""

    set: str
    problem: str
    digest: str
    sample: int
    seed: int
    job: str
    status: str
    """answered, rescued, truncated or failed."""
    final: str | None
    correct: bool
    tokens: int
    elapsed: float
    queued_at: float
    done_at: float
    error: str | None = None

    @property
    def key(self) -> SampleKey:
        return SampleKey(self.set, self.problem, self.digest, self.sample)


@dataclass(frozen=True)
class Assignment:
    """A sample handed to the queue: the question (job) whose answer is its result."""

    key: SampleKey
    job: str
    seed: int
    queued_at: float


def configuration(settings: Settings) -> dict[str, Any]:
    """What makes samples comparable: results drawn otherwise must not be mixed into one report."""
    return {
        "model": settings.model,
        "max_total_tokens": settings.max_total_tokens,
        "temperature": settings.temperature,
        "top_p": settings.top_p,
        "seed": settings.seed or 0,
    }


def mismatch(found: dict[str, Any], wanted: dict[str, Any]) -> str:
    return ", ".join(f"{k} {found.get(k)!r} there, {v!r} now" for k, v in wanted.items() if found.get(k) != v)


class Folder:
    """The --out folder of one evaluation, locked against a second `mathbot eval` on it."""

    def __init__(self, path: Path, run: str) -> None:
        self.path, self.run = path, run

    @classmethod
    @contextmanager
    def open(cls, path: Path, settings: Settings) -> Iterator[Folder]:
        """The folder, created if needed, locked while the run lasts; `InputError` when another run holds
        it or it holds samples drawn with another configuration."""
        try:
            path.mkdir(parents=True, exist_ok=True)
            lock = (path / ".lock").open("a")
        except OSError as exc:
            raise InputError(messages.unreadable_set(str(path), exc.strerror or str(exc))) from None
        with lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise InputError(messages.eval_folder_busy(str(path))) from None
            yield cls(path, cls._run_id(path, configuration(settings)))

    @staticmethod
    def _run_id(path: Path, wanted: dict[str, Any]) -> str:
        meta = path / "run.json"
        if meta.is_file():
            found = json.loads(meta.read_text())
            if found.get("configuration") != wanted:
                differs = mismatch(found.get("configuration") or {}, wanted)
                raise InputError(messages.eval_folder_differs(str(path), differs))
            return str(found["run"])
        run = uuid.uuid4().hex
        meta.write_text(json.dumps({"run": run, "configuration": wanted}, indent=2) + "\n")
        return run

    def results_path(self, set_name: str) -> Path:
        return self.path / f"{set_name}.jsonl"

    def records(self, set_name: str) -> dict[SampleKey, Record]:
        """The finished samples of a set (the first line of a sample wins: it is never counted twice)."""
        found: dict[SampleKey, Record] = {}
        for row in _lines(self.results_path(set_name)):
            try:
                record = Record(**row)
            except TypeError:
                continue
            found.setdefault(record.key, record)
        return found

    def add(self, record: Record) -> None:
        _append(self.results_path(record.set), asdict(record))

    def assignments(self) -> dict[SampleKey, Assignment]:
        """The latest question handed out for each sample."""
        found: dict[SampleKey, Assignment] = {}
        for row in _lines(self.path / "jobs.jsonl"):
            try:
                key = SampleKey(*row["key"])
                found[key] = Assignment(key, str(row["job"]), int(row["seed"]), float(row["queued_at"]))
            except (KeyError, TypeError, ValueError):
                continue
        return found

    def assign(self, assignment: Assignment) -> None:
        """Written before the question is queued: a question queued and then forgotten would be lost
        work; one written and never queued is simply queued again."""
        row = {
            "key": list(assignment.key),
            "job": assignment.job,
            "seed": assignment.seed,
            "queued_at": assignment.queued_at,
        }
        _append(self.path / "jobs.jsonl", row)


def _last_byte(path: Path) -> bytes:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1)


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                row = json.loads(line)
            except json.JSONDecodeError:  # a line cut short by a kill
                continue
            if isinstance(row, dict):
                yield row


def _append(path: Path, row: dict[str, Any]) -> None:
    with path.open("ab") as handle:
        if handle.tell() and _last_byte(path) != b"\n":
            handle.write(b"\n")  # after a line a kill cut short, which stays skipped
        handle.write((json.dumps(row, ensure_ascii=False) + "\n").encode())
        handle.flush()
        os.fsync(handle.fileno())
