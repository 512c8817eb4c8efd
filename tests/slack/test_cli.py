"""`mathbot slack` as an operator runs it: HTTP mode and Socket Mode, health, and refusals to start."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import redis

from tests.fakes.slack import APP_TOKEN, BOT_USER, FakeSlack, signing
from tests.slack import flows
from tests.support import processes
from tests.support.data import aime
from tests.support.processes import wait_for
from tests.support.servers import free_port

CHANNEL = "C0MATHS01"


def healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def mention_event(ts: str) -> dict[str, object]:
    text = f"<@{BOT_USER}> {aime(1)['problem']}"
    return {"type": "app_mention", "channel": CHANNEL, "user": "U0ADA001", "text": text, "ts": ts}


def test_http_mode_serves_events_and_health(
    fake_slack: FakeSlack, env: dict[str, str], worker: object, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = processes.start(["slack"], {**env, "PORT": str(port)}, log=tmp_path / "slack.log")
    try:
        wait_for(lambda: healthy(url) or process.poll() is not None, 20, message="`mathbot slack` to listen")
        assert process.poll() is None, (tmp_path / "slack.log").read_text()
        assert fake_slack.calls_to("auth.test")  # the token is checked at start
        ts = "1699999999.070000"
        assert signing.post(url, signing.event(mention_event(ts)), signing.JSON).status_code == 200
        answer = flows.final(fake_slack, flows.placeholder(fake_slack, CHANNEL, ts))
        assert flows.headline(answer) == "Final answer: 70"
        assert httpx.post(url + "/slack/events", content="{}").status_code == 401
    finally:
        processes.stop(process)
    assert process.returncode == 0  # SIGTERM is a clean shutdown
    log = (tmp_path / "slack.log").read_text()
    assert "xoxb-" not in log and "fake-signing-secret" not in log


def test_socket_mode_receives_events_over_the_websocket(
    fake_slack: FakeSlack, env: dict[str, str], worker: object, tmp_path: Path
) -> None:
    port = free_port()
    socket_env = {k: v for k, v in env.items() if k != "SLACK_SIGNING_SECRET"}
    socket_env.update(SLACK_APP_TOKEN=APP_TOKEN, PORT=str(port))
    process = processes.start(["slack"], socket_env, log=tmp_path / "slack.log")
    try:
        wait_for(
            lambda: fake_slack.socket_connected() or process.poll() is not None, 20, message="Socket Mode"
        )
        assert process.poll() is None, (tmp_path / "slack.log").read_text()
        assert healthy(f"http://127.0.0.1:{port}")
        ts = "1699999999.080000"
        envelope = {
            "envelope_id": "env-0001",
            "type": "events_api",
            "accepts_response_payload": False,
            "retry_attempt": 0,
            "retry_reason": "",
            "payload": json.loads(signing.event(mention_event(ts))),
        }
        fake_slack.socket_send(envelope)
        wait_for(
            lambda: any(a.get("envelope_id") == "env-0001" for a in fake_slack.socket_acks), 10, message="ack"
        )
        answer = flows.final(fake_slack, flows.placeholder(fake_slack, CHANNEL, ts))
        assert flows.headline(answer) == "Final answer: 70"
    finally:
        processes.stop(process)
    log = (tmp_path / "slack.log").read_text()
    assert "xapp-" not in log and "xoxb-" not in log


def test_sigterm_lets_acknowledged_questions_reach_the_queue(
    fake_slack: FakeSlack, env: dict[str, str], redis_conn: redis.Redis, tmp_path: Path
) -> None:
    """Slack never resends an event it got a 200 for: a question acknowledged just before a deploy's
    SIGTERM must still be queued, not dropped with its placeholder half posted."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = processes.start(["slack"], {**env, "PORT": str(port)}, log=tmp_path / "slack.log")
    try:
        wait_for(lambda: healthy(url) or process.poll() is not None, 20, message="`mathbot slack` to listen")
        fake_slack.delay["chat.postMessage"] = 1.5  # the placeholder is on its way when SIGTERM comes
        ts = "1699999999.075000"
        assert signing.post(url, signing.event(mention_event(ts)), signing.JSON).status_code == 200
        wait_for(lambda: fake_slack.calls_to("chat.postMessage"), 10, message="the placeholder call")
    finally:
        processes.stop(process)
    assert process.returncode == 0, (tmp_path / "slack.log").read_text()
    assert len(redis_conn.keys("rq:job:*")) == 1
    assert len(fake_slack.posted(CHANNEL, ts)) == 1


def test_refuses_to_start_without_credentials_or_with_a_bad_token(
    fake_slack: FakeSlack, env: dict[str, str]
) -> None:
    no_token = {k: v for k, v in env.items() if k != "SLACK_BOT_TOKEN"}
    result = processes.run(["slack"], no_token, timeout=30)
    assert result.returncode == 2 and "SLACK_BOT_TOKEN is not set" in result.stderr

    no_secret = {k: v for k, v in env.items() if k != "SLACK_SIGNING_SECRET"}
    result = processes.run(["slack"], no_secret, timeout=30)
    assert result.returncode == 2 and "SLACK_SIGNING_SECRET" in result.stderr

    result = processes.run(
        ["slack"], {**env, "SLACK_BOT_TOKEN": "xoxb-wrong-token-0000", "PORT": str(free_port())}, timeout=30
    )
    assert result.returncode == 1 and "invalid_auth" in result.stderr
    assert "xoxb-wrong-token-0000" not in result.stderr
