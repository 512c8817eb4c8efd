"""The Slack adapter's GET /metrics on $PORT: a signature failure, a duplicate delivery, and every Web API
call (each attempt, 429s apart) are counted by the adapter that saw them."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.fakes.slack import BOT_USER, FakeSlack, signing
from tests.slack import flows
from tests.support.data import aime
from tests.support.servers import ThreadedApp

CHANNEL = "C0MATHS01"
ADA = "U0ADA001"

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(app: ThreadedApp) -> Samples:
    response = httpx.get(app.url + "/metrics", timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_metrics_count_a_forged_request_a_duplicate_and_the_api_calls(
    fake_slack: FakeSlack, slack_app: ThreadedApp
) -> None:
    before = scrape(slack_app)  # counters live as long as the process (these tests share one)
    fake_slack.rate_limit["chat.postMessage"] = 1  # the placeholder waits out one 429
    fake_slack.retry_after = 0
    thread = "1699999999.500000"
    event = {
        "type": "app_mention",
        "channel": CHANNEL,
        "user": ADA,
        "text": f"<@{BOT_USER}> {aime(1)['problem']}",
        "ts": thread,
    }
    body = signing.event(event, event_id="Ev0METRICS01")

    forged = signing.post(slack_app.url, body, signing.JSON, secret="not-the-signing-secret")
    assert forged.status_code == 401
    assert signing.post(slack_app.url, body, signing.JSON).status_code == 200
    assert signing.post(slack_app.url, body, signing.JSON, retry_num=1).status_code == 200  # Slack's retry
    flows.placeholder(fake_slack, CHANNEL, thread)

    after = scrape(slack_app)
    assert grew(before, after, "mathbot_signature_failures_total") == 1
    assert grew(before, after, "mathbot_duplicates_dropped_total", platform="slack") == 1
    posted = {"platform": "slack", "method": "chat.postMessage"}
    assert grew(before, after, "mathbot_chat_api_calls_total", **posted) == 2
    assert grew(before, after, "mathbot_chat_api_rate_limited_total", **posted) == 1
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
