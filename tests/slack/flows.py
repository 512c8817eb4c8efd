"""Helpers for the end-to-end tests: worker processes, and waiting for what the fake Slack received."""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

from tests.fakes.slack import Call, FakeSlack
from tests.support import processes
from tests.support.processes import wait_for

ANSWER_TIMEOUT = 30.0


@contextlib.contextmanager
def workers(
    env: dict[str, str], tmp_path: Path, count: int = 1, args: tuple[str, ...] = (), **extra: str
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`count` separate `mathbot worker ARGS` processes with `extra` settings (logs in tmp_path)."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        for n in range(count):
            log = tmp_path / f"worker{n}.log"
            started.append(processes.start(["worker", *args], {**env, **extra}, log=log))
        yield started
    finally:
        for process in started:
            processes.stop(process)


def is_final(call: Call) -> bool:
    """An edit that shows the answer (header block) or an error (warning section)."""
    blocks = call.args.get("blocks") or []
    return bool(blocks) and (
        blocks[0]["type"] == "header" or blocks[0].get("text", {}).get("text", "").startswith(":warning:")
    )


def placeholder(fake: FakeSlack, channel: str, thread: str, timeout: float = 10) -> str:
    """The ts of the first message mathbot posted in the thread (its placeholder)."""
    found = wait_for(lambda: fake.posted(channel, thread), timeout, message=f"a placeholder in {thread}")
    return str(found[0].response["ts"])


def final(fake: FakeSlack, ts: str, timeout: float = ANSWER_TIMEOUT) -> Call:
    """The edit of placeholder `ts` that delivered the answer or error."""
    return wait_for(  # type: ignore[no-any-return]
        lambda: next((c for c in fake.updates(ts) if is_final(c) and c.response.get("ok")), None),
        timeout,
        message=f"the final edit of {ts}",
    )


def headline(call: Call) -> str:
    return str(call.args["blocks"][0]["text"]["text"])


def all_text(call: Call) -> str:
    return json.dumps({"text": call.args.get("text"), "blocks": call.args.get("blocks")}, ensure_ascii=False)
