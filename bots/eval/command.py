"""`mathbot eval SET_OR_FILE... [--samples K] [--limit N] [--out DIR]`: the seed's table, measured
through the bot's own queue, workers and answer path.

Each problem is answered K times (default 1), every sample a question of its own on the evaluation
queue, graded against the official answer as it comes back and stored in DIR, so that the same
command run again resumes where an interrupted run stopped. At the end: a table per set on stdout
(pass@1, cons@K, how the samples ended, tokens, wall time), `summary.json` and `accuracy.png` in DIR.
Exit 0 when the run completed; 2 with one line for an unknown set, an unreadable file or K < 1; 1
when Redis fails (resumable); 130 when interrupted (resumable).
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import TextIO

import redis

from bots.eval import report, results, texts
from bots.eval.display import Display
from bots.eval.runner import Evaluation
from bots.eval.store import Folder, configuration
from mathbot import problemsets, queue
from mathbot.errors import InputError, QueueError
from mathbot.problemsets import ProblemSet
from mathbot.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_OUT = Path("mathbot-eval")
"""Where results go without --out (relative to the working directory): the same command resumes there."""


def evaluate(
    specs: list[str],
    settings: Settings,
    *,
    samples: int = 1,
    limit: int | None = None,
    out: Path = DEFAULT_OUT,
    stdout: TextIO = sys.stdout,
    stderr: TextIO = sys.stderr,
) -> int:
    """Run the evaluation; returns the process exit code."""
    try:
        sets = _check(specs, samples, limit, settings)
    except InputError as exc:
        print(f"mathbot: {exc.user_message}", file=stderr)
        return texts.EXIT_BAD_INPUT
    try:
        queue.check_at_start(settings, serves=False)
    except queue.RedisUnusable as exc:
        print(f"mathbot: {exc.user_message}", file=stderr)
        return texts.EXIT_FAILED
    import math_verify  # noqa: F401  (loaded once here: each forked grading child starts with it)

    connection = queue.connect(settings)
    started = time.time()
    try:
        with Folder.open(out, settings) as folder:
            evaluation = Evaluation(sets, samples, limit, folder, settings, connection)
            code = _run(evaluation, settings, connection, stderr)
            if code != texts.EXIT_COMPLETED:
                return code
            reports = [
                report.build(name, problems, samples, evaluation.done) for name, problems in evaluation.sets
            ]
    except InputError as exc:
        print(f"mathbot: {exc.user_message}", file=stderr)
        return texts.EXIT_BAD_INPUT
    except (QueueError, redis.RedisError) as exc:
        print(f"mathbot: {texts.redis_lost(str(out), type(exc).__name__)}", file=stderr)
        return texts.EXIT_FAILED
    print(report.table(reports), file=stdout)
    meta = {
        "samples": samples,
        "limit": limit,
        "configuration": configuration(settings),
        "finished_at": time.time(),
        "this_session_seconds": round(time.time() - started, 1),
    }
    report.write_summary(out / "summary.json", reports, meta)
    title = f"mathbot eval, {settings.model}: majority-vote accuracy vs samples (K = {samples})"
    report.plot(out / "accuracy.png", reports, title)
    print(f"mathbot eval: results in {out}/ (summary.json, accuracy.png, one JSONL per set)", file=stderr)
    return texts.EXIT_COMPLETED


def _check(specs: list[str], samples: int, limit: int | None, settings: Settings) -> list[ProblemSet]:
    if samples < 1:
        raise InputError(texts.BAD_SAMPLES.format(samples=samples))
    if limit is not None and limit < 1:
        raise InputError(texts.BAD_LIMIT.format(limit=limit))
    found: dict[str, ProblemSet] = {}
    for spec in specs:
        problem_set = problemsets.load(spec, settings.data_dir)
        same = found.setdefault(problem_set.name, problem_set)
        if same.path.resolve() != problem_set.path.resolve():
            raise InputError(
                texts.SAME_NAME.format(name=problem_set.name, one=same.path, other=problem_set.path)
            )
    return list(found.values())


def _run(evaluation: Evaluation, settings: Settings, connection: redis.Redis, stderr: TextIO) -> int:
    """Draw every sample, showing progress; the exit code (completed, or interrupted)."""
    previous = signal.signal(signal.SIGTERM, _interrupt)  # a polite kill stops like Ctrl-C
    try:
        with Display(stderr, evaluation.counts()) as display:
            try:
                evaluation.start()
                workers = queue.workers_alive(settings, connection, evaluation=True)
                if not evaluation.complete and 0 < workers <= settings.eval_concurrency:
                    display.note(texts.FEW_WORKERS.format(workers=workers, cap=settings.eval_concurrency))
                display.update(evaluation.counts(), evaluation.eta())
                while not evaluation.complete:
                    evaluation.step(
                        lambda: display.update(evaluation.counts(), evaluation.eta()), display.note
                    )
            except KeyboardInterrupt:
                running, taken = evaluation.interrupt()
                display.note(
                    texts.interrupted(str(evaluation.folder.path), len(evaluation.done), running, taken)
                )
                return texts.EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)
    results.drop(connection, evaluation.folder.run)
    return texts.EXIT_COMPLETED


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
