"""MATHBOT_LOG_FORMAT=json: one JSON object a line, the question id of the job on every line of it, and the
same scrubbing and capping as text lines."""

from __future__ import annotations

import contextvars
import io
import json
import logging
import threading
from collections.abc import Iterator
from datetime import datetime

import pytest

from mathbot import logs

SECRET = "xoxb-123456789-SECRETVALUE"


@pytest.fixture
def json_root() -> Iterator[io.StringIO]:
    """The root logger as `mathbot` sets it up for JSON, writing to a buffer instead of stderr."""
    yield from configured("json")


def configured(fmt: str | None) -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    if fmt is None:
        logs.setup("INFO", [SECRET])
    else:
        logs.setup("INFO", [SECRET], fmt)
    out = io.StringIO()
    (handler,) = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(out)
    try:
        yield out
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def entries(out: io.StringIO) -> list[dict[str, object]]:
    lines = out.getvalue().splitlines()
    return [json.loads(line) for line in lines]  # every line is one whole object


def test_a_job_line_is_one_json_object_with_its_question_id(json_root: io.StringIO) -> None:
    log = logging.getLogger("workers.answer")
    with logs.question_context("q-42"):
        log.warning("question=%s failed: token %s\nforged INFO line", "q-42", SECRET)
    log.info("between jobs")
    (first, second) = entries(json_root)
    assert first["question_id"] == "q-42" and "question_id" not in second
    assert first["level"] == "WARNING" and first["logger"] == "workers.answer"
    assert SECRET not in json.dumps(first) and logs.REDACTED in str(first["message"])
    assert "\\nforged INFO line" in str(first["message"])  # escaped by OneLine, as in text lines
    stamp = datetime.fromisoformat(str(first["time"]))
    assert stamp.utcoffset() is not None and str(first["time"]).count(".") == 1  # UTC, milliseconds


def test_a_traceback_is_a_field_scrubbed_and_capped(json_root: io.StringIO) -> None:
    try:
        raise RuntimeError(f"boom with {SECRET} " + "x" * (logs.MAX_TRACEBACK_CHARS * 2))
    except RuntimeError:
        logging.getLogger("rq.worker").exception("job failed")
    (entry,) = entries(json_root)
    exception = str(entry["exception"])
    assert "RuntimeError" in exception and SECRET not in exception
    assert len(exception) < logs.MAX_TRACEBACK_CHARS + 100


def test_threads_of_a_job_carry_its_id_when_started_in_its_context(json_root: io.StringIO) -> None:
    log = logging.getLogger("workers.consensus")
    with logs.question_context("q-7"):
        copied = threading.Thread(target=contextvars.copy_context().run, args=(log.info, "sample"))
        plain = threading.Thread(target=log.info, args=("elsewhere",))
        copied.start(), copied.join(), plain.start(), plain.join()
    found = {str(e["message"]): e.get("question_id") for e in entries(json_root)}
    assert found == {"sample": "q-7", "elsewhere": None}


def test_text_stays_the_default_format() -> None:
    for out in configured(None):
        with logs.question_context("q-1"):
            logging.getLogger("x").info("plain")
        assert out.getvalue().rstrip().endswith(" INFO x: plain")
