"""Forged, malformed and flooding requests at the Slack adapter: 400/401, never a 500, never queued, and
the adapter's log gets one short escaped line per rejected request, never the body."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from pathlib import Path

import httpx
import pytest
import redis

from tests.fakes.slack import FakeSlack, signing
from tests.support import processes
from tests.support.processes import wait_for
from tests.support.servers import ThreadedApp, free_port
from tests.support.waiting import assert_quiet

FORGED_LINE = "2026-01-01 00:00:00,000 ERROR mathbot.admin: operator password reset, new password hunter2"
FLOOD = "token=x&text=" + "A" * 900_000 + "\n" + FORGED_LINE
"""An unsigned 900 KB form body with an embedded newline and a fake log entry after it."""

NESTED = "[" * 100_000 + "]" * 100_000
"""Deeper than Python's json parser can go (RecursionError)."""

BAD_BODIES: dict[str, tuple[bytes, str]] = {
    "malformed JSON": (b'{"type": "event_callback", "event": {', signing.JSON),
    "not UTF-8": (b'{"type": "event_callback", "text": "\xff\xfe\xc3\x28"}', signing.JSON),
    "deeply nested JSON": (('{"event": ' + NESTED + "}").encode(), signing.JSON),
    "JSON that is not an object": (b'["event_callback"]', signing.JSON),
    "form with a malformed payload": (b"payload=%7B%22type%22%3A", signing.FORM),
    "form with a non-UTF-8 payload": (b"payload=%FF%FE", signing.FORM),
}


def signed_post(url: str, body: bytes, content_type: str, *, sign: bool) -> httpx.Response:
    """POST raw bytes to /slack/events, signed over those exact bytes as Slack signs them (or not)."""
    headers = {"Content-Type": content_type}
    if sign:
        ts = str(int(time.time()))
        digest = hmac.new(signing.SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
        signature = "v0=" + digest.hexdigest()  # over the raw bytes (slack_sdk's helper needs UTF-8)
        headers.update({"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature})
    return httpx.post(url + "/slack/events", content=body, headers=headers, timeout=30)


@pytest.mark.parametrize("kind", sorted(BAD_BODIES))
def test_a_malformed_body_gets_400_when_signed_and_401_when_not(
    kind: str, fake_slack: FakeSlack, slack_app: ThreadedApp, redis_conn: redis.Redis
) -> None:
    body, content_type = BAD_BODIES[kind]
    signed = signed_post(slack_app.url, body, content_type, sign=True)
    unsigned = signed_post(slack_app.url, body, content_type, sign=False)
    assert (signed.status_code, unsigned.status_code) == (400, 401)
    assert not fake_slack.calls_to("chat.postMessage") and not redis_conn.keys("rq:job:*")


def rejections(log: Path) -> int:
    return log.read_text().count("rejected POST /slack/events")


def test_the_log_gets_one_short_escaped_line_per_rejected_request(
    fake_slack: FakeSlack, env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "slack.log"
    process = processes.start(["slack"], {**env, "PORT": str(port)}, log=log_path)
    try:
        wait_for(
            lambda: process.poll() is not None or "listening on port" in log_path.read_text(),
            20,
            message="`mathbot slack` to listen",
        )
        assert process.poll() is None, log_path.read_text()
        statuses = [signed_post(url, FLOOD.encode(), signing.FORM, sign=False).status_code]
        for body, content_type in BAD_BODIES.values():
            statuses.append(signed_post(url, body, content_type, sign=True).status_code)
        expected = 1 + len(BAD_BODIES)
        wait_for(lambda: rejections(log_path) >= expected, 10, message="every rejection in the log")
        assert_quiet(lambda: rejections(log_path), 0.5, "no more rejections than requests")
    finally:
        processes.stop(process)
    log = log_path.read_text()
    lines = log.splitlines()
    assert statuses == [401] + [400] * len(BAD_BODIES)
    assert not any(line.startswith(FORGED_LINE[:30]) for line in lines), "the forged entry is its own line"
    assert "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" not in log, "the raw body reached the log"
    assert max(len(line) for line in lines) < 2_000
    assert "Traceback" not in log and " 500 " not in log
    rejected = [line for line in lines if "rejected POST /slack/events" in line]
    assert len(rejected) == 1 + len(BAD_BODIES), log
    assert re.search(r"rejected POST /slack/events \(900\d{3} bytes\): bad or missing signature", rejected[0])
