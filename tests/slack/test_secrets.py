"""A full Slack run at DEBUG: no token or signing secret in any log line or anything posted to Slack."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.fakes.slack import BOT_TOKEN, BOT_USER, FakeSlack, signing
from tests.fakes.slack.signing import SIGNING_SECRET
from tests.slack import flows
from tests.support import processes
from tests.support.data import aime
from tests.support.processes import wait_for
from tests.support.servers import free_port

CHANNEL = "C0SECRET1"
TGI_KEY = "tgi-key-SECRET-0123456789abcdef"


def test_no_secret_in_logs_or_replies_of_a_full_slack_run(
    fake_slack: FakeSlack, env: dict[str, str], sim, tmp_path: Path
) -> None:
    debug = {**env, "MATHBOT_LOG_LEVEL": "DEBUG", "TGI_API_KEY": TGI_KEY, "MATHBOT_SERVER_RETRIES": "1"}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    adapter = processes.start(["slack"], {**debug, "PORT": str(port)}, log=tmp_path / "slack.log")
    worker = processes.start(["worker"], debug, log=tmp_path / "worker.log")
    try:
        wait_for(lambda: _healthy(url) or adapter.poll() is not None, 20, message="`mathbot slack`")
        ts = "1699999999.090000"
        text = f"<@{BOT_USER}> {aime(1)['problem']}"
        event = {"type": "app_mention", "channel": CHANNEL, "user": "U0ADA001", "text": text, "ts": ts}
        assert signing.post(url, signing.event(event), signing.JSON).status_code == 200
        flows.final(fake_slack, flows.placeholder(fake_slack, CHANNEL, ts))
        forged = signing.headers(signing.event(event), secret="wrong-secret")
        assert (
            httpx.post(url + "/slack/events", content=signing.event(event), headers=forged).status_code == 401
        )
        sim.faults(error_status=401, error_count=4)
        ts2 = "1699999999.090100"
        event2 = {**event, "ts": ts2, "text": f"<@{BOT_USER}> What is 6 times 7?"}
        assert signing.post(url, signing.event(event2), signing.JSON).status_code == 200
        error = flows.final(fake_slack, flows.placeholder(fake_slack, CHANNEL, ts2))
        assert "credentials" in flows.all_text(error)
    finally:
        processes.stop(adapter)
        processes.stop(worker)
    logs = (tmp_path / "slack.log").read_text() + (tmp_path / "worker.log").read_text()
    assert " DEBUG " in logs  # the run really logged at debug level
    posted = json.dumps([call.args for call in fake_slack.calls], default=str)
    for name, secret in {
        "bot token": BOT_TOKEN,
        "signing secret": SIGNING_SECRET,
        "TGI key": TGI_KEY,
    }.items():
        assert secret not in logs, f"{name} in the logs"
        assert secret not in posted, f"{name} posted to Slack"


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
