"""`mathbot ask "QUESTION"`: enqueue, show live progress on stderr, print the answer on stdout."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

import redis

from bots.console import layout, stream, texts
from bots.console.status import StatusLine
from bots.console.texts import (
    EXIT_ANSWERED,
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_TIMEOUT,
    EXIT_TRUNCATED,
    exit_code,
)
from mathbot import defaults, messages, queue, render
from mathbot.errors import MathbotError
from mathbot.jobs import Question, ReplyTarget, Sampling, Turn
from mathbot.outcome import Progress, load_answer, load_progress
from mathbot.settings import Settings

__all__ = [
    "EXIT_ANSWERED",
    "EXIT_BAD_INPUT",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_TIMEOUT",
    "EXIT_TRUNCATED",
    "ask",
]

NO_WORKER_HINT_AFTER = 10.0
"""Seconds a question may wait with no worker alive before `ask` says so."""

LATE_ANSWER_SECONDS = 30.0
"""How long `ask` still waits for an answer that was finished when its --timeout cancelled it."""

TICK_SECONDS = 0.25
"""How often the status line on a terminal is redrawn (its spinner turns; its clock moves each second)."""


def ask(
    text: str,
    settings: Settings,
    *,
    timeout: float = defaults.ASK_TIMEOUT,
    reasoning_path: Path | None = None,
    samples: int = 1,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """Ask one question through the queue and wait for the answer; returns the process exit code.

    With `reasoning_path`, the model's full chain of thought is written there as Markdown. With
    `samples` > 1 the model answers that many times and the majority's answer is shown.
    """
    asked = time.monotonic()
    if samples < 1:
        print(f"mathbot: {texts.TOO_FEW_SAMPLES}", file=err)
        return EXIT_BAD_INPUT
    if reasoning_path is not None and (why := unwritable(reasoning_path)):
        print(f"mathbot: {texts.cannot_write(reasoning_path, why)}", file=err)
        return EXIT_BAD_INPUT
    connection = queue.connect(settings)
    try:
        sampling = Sampling(samples=samples)
    except ValueError:
        print(f"mathbot: {messages.too_many_samples(samples, settings.max_samples)}", file=err)
        return EXIT_BAD_INPUT
    question = Question(
        target=ReplyTarget(platform="console", channel=""),
        turns=[Turn(role="user", content=text)],
        sampling=sampling,
    )
    question = question.model_copy(update={"target": ReplyTarget(platform="console", channel=question.id)})
    try:
        enqueued = queue.enqueue(question, settings, connection)
    except MathbotError as exc:
        print(f"mathbot: {exc.user_message}", file=err)
        return exit_code(exc)
    status = StatusLine(err, asked)
    status.show(Progress("queued", position=enqueued.position))
    try:
        final = _follow(connection, question, settings, status, timeout)
    except KeyboardInterrupt:
        status.done()
        queue.cancel(question.id, settings, connection)
        print("mathbot: cancelled.", file=err)
        return EXIT_INTERRUPTED
    except redis.RedisError:
        status.done()
        print(f"mathbot: lost the connection to Redis while waiting (question {question.id}).", file=err)
        return EXIT_FAILED
    cancelled = True
    if final is None:
        try:
            cancelled = queue.cancel(question.id, settings, connection)[0] == "cancelled"
            if not cancelled:  # answered in the last moment: it is on its way
                final = _follow(connection, question, settings, status, LATE_ANSWER_SECONDS)
        except redis.RedisError:
            cancelled = False
    status.done()
    if final is None:
        print(f"mathbot: {texts.timed_out(timeout, question.id if not cancelled else None)}", file=err)
        return EXIT_TIMEOUT
    kind, body = final
    if kind == "error":
        print(f"mathbot: {body['message']}", file=err)
        return int(body["exit"])
    answer = replace(load_answer(body), elapsed=time.monotonic() - asked)  # total: from the asking
    print(layout.answer_text(answer), file=out)
    if reasoning_path is not None:
        _, content = render.reasoning_file(
            answer.reasoning, tokens=answer.completion_tokens, seconds=answer.thinking_seconds, problem=text
        )
        try:
            reasoning_path.write_bytes(content)
        except OSError as exc:
            print(f"mathbot: {texts.cannot_write(reasoning_path, exc.strerror or str(exc))}", file=err)
            return EXIT_FAILED
        print(f"mathbot: reasoning written to {reasoning_path}", file=err)
    return EXIT_TRUNCATED if answer.truncated else EXIT_ANSWERED


def unwritable(path: Path) -> str | None:
    """Why `path` cannot be written (checked before asking: an answer is minutes of work), or None."""
    if path.is_dir():
        return "it is a folder"
    folder = path.parent
    if not folder.is_dir():
        return f"there is no folder {folder}"
    if not os.access(path if path.exists() else folder, os.W_OK):
        return "permission denied"
    return None


def _follow(
    connection: redis.Redis, question: Question, settings: Settings, status: StatusLine, timeout: float
) -> tuple[str, dict[str, Any]] | None:
    """Show progress until the answer or error arrives; None when `timeout` passes first."""
    started = time.monotonic()
    cursor, hinted = "0", False
    block_ms = int(TICK_SECONDS * 1000) if status.tty else 1000
    while time.monotonic() - started < timeout:
        for event_id, kind, body in stream.read(connection, question.id, cursor, block_ms=block_ms):
            cursor = event_id
            if kind == "progress":
                status.show(load_progress(body))
            elif kind in ("answer", "error"):
                return kind, body
        status.tick()
        waited = time.monotonic() - started
        if cursor == "0" and not hinted and waited > NO_WORKER_HINT_AFTER:
            hinted = not queue.workers_alive(settings, connection)
            if hinted:
                status.say("waiting for a worker: none is running (start one with `mathbot worker`)")
    return None
