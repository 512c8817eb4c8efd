"""`mathbot check --answer X "PROBLEM"`: whether X is right, without revealing the answer.

A problem of the bank (MATHBOT_PROBLEM_BANK) is graded against its official answer at once, with no
generation and no Redis. Any other goes through the queue like `mathbot ask`: a worker solves it
MATHBOT_VOTE_SAMPLES times and the verdict is about the majority's answer; progress shows on stderr
without any of the model's words, the verdict on stdout.

Exit codes: 0 correct, 1 not the answer (the official one, or mathbot's majority), 2 bad input (an empty
problem or answer, too long), 3 mathbot is unsure (no answer has more than half of the samples), 4 no
verdict (the server failed, no worker answered within --timeout), 130 interrupted (the check is cancelled).
"""

from __future__ import annotations

import sys
import time
from contextlib import suppress
from typing import Any, TextIO

import redis

from bots.console import stream
from bots.console.status import StatusLine
from bots.console.texts import EXIT_BAD_INPUT, EXIT_INTERRUPTED
from mathbot import defaults, queue, render
from mathbot.errors import InputError, MathbotError
from mathbot.jobs import ReplyTarget
from mathbot.outcome import Progress, load_progress
from mathbot.settings import Settings
from mathbot.study import bank, checking

EXIT_CORRECT = 0
EXIT_WRONG = 1
EXIT_UNSURE = 3
EXIT_NO_VERDICT = 4
"""The server failed, the check was refused (limits, queue), or no verdict came within --timeout."""

EXIT_CODES = {"correct": EXIT_CORRECT, "wrong": EXIT_WRONG, "unsure": EXIT_UNSURE}


def check(
    problem: str,
    given: str,
    settings: Settings,
    *,
    timeout: float = defaults.ASK_TIMEOUT,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """Check `given` as the answer to `problem`; prints the verdict, returns the exit code."""
    try:
        problem, given = checking.validate(problem, given)
    except InputError as exc:
        print(f"mathbot: {exc.user_message}", file=err)
        return EXIT_BAD_INPUT
    target = ReplyTarget(platform="console", channel="")
    found = bank.load(settings.problem_bank).find(problem)
    connection = None
    if found is None:
        try:
            queue.check_at_start(settings, serves=False)
        except queue.RedisUnusable as exc:
            print(f"mathbot: {exc.user_message}", file=err)
            return EXIT_NO_VERDICT
        connection = queue.connect(settings)
    channel = f"check-{time.time_ns()}"
    try:
        checked = checking.check_answer(
            problem, given, target.model_copy(update={"channel": channel}), settings, connection
        )
    except InputError as exc:
        print(f"mathbot: {exc.user_message}", file=err)
        return EXIT_BAD_INPUT
    except MathbotError as exc:
        print(f"mathbot: {exc.user_message}", file=err)
        return EXIT_NO_VERDICT
    if checked.queued is None:
        return _show(_card_body(checked.card), out)
    assert connection is not None
    status = StatusLine(err, time.monotonic())
    status.show(Progress("queued"))
    try:
        final = _follow(connection, channel, status, timeout)
    except KeyboardInterrupt:
        status.done()
        queue.cancel(checked.queued, settings, connection)
        print("mathbot: cancelled.", file=err)
        return EXIT_INTERRUPTED
    except redis.RedisError:
        status.done()
        print("mathbot: lost the connection to Redis while waiting.", file=err)
        return EXIT_NO_VERDICT
    status.done()
    if final is None:
        with suppress(redis.RedisError):  # as `mathbot ask` does: a verdict nobody waits for is not drawn
            queue.cancel(checked.queued, settings, connection)
        print(f"mathbot: no verdict within {timeout:.0f} s (the check is cancelled).", file=err)
        return EXIT_NO_VERDICT
    kind, body = final
    if kind == "error" or not body.get("verdict"):
        print(f"mathbot: {body.get('message') or body.get('title')}", file=err)
        return EXIT_NO_VERDICT
    return _show(body, out)


def _card_body(card: checking.cards.Card) -> dict[str, Any]:
    return {"title": card.title, "notes": list(card.notes), "verdict": card.verdict}


def _show(body: dict[str, Any], out: TextIO) -> int:
    """The verdict on stdout: its headline and notes (the answer is never among them)."""
    lines = [render.escape_plain(str(body["title"]), "console")]
    lines += [f"  {note}" for note in body.get("notes") or []]
    print("\n".join(lines), file=out)
    return EXIT_CODES.get(str(body.get("verdict")), EXIT_NO_VERDICT)


def _follow(
    connection: redis.Redis, channel: str, status: StatusLine, timeout: float
) -> tuple[str, dict[str, Any]] | None:
    started, cursor = time.monotonic(), "0"
    while time.monotonic() - started < timeout:
        for event_id, kind, body in stream.read(connection, channel, cursor, block_ms=1000):
            cursor = event_id
            if kind == "progress":
                status.show(load_progress(body))
            elif kind in ("card", "error"):
                return kind, body
        status.tick()
    return None
