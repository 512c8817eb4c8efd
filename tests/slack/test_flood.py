"""A flood by one person: 40 mentions in a few seconds while their in-flight limit is 3. The limit holds,
and the flood costs the workspace three placeholders and one private notice: no placeholder and no
chat.update for a refused mention (they used to cost 40 chat.postMessage and 37 chat.update, beyond
Tier 3's ~50 a minute, most of them outside the workspace's edit budget). A /solve over the limit posts
no message quoting the problem: its asker alone hears why.

No worker runs: the three admitted questions stay queued, which counts as in flight.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import redis

from mathbot import messages
from mathbot.settings import Settings
from tests.fakes.slack import BOT_USER, FakeSlack, signing
from tests.support.bench import settle
from tests.support.data import aime
from tests.support.processes import wait_for
from tests.support.servers import ThreadedApp

CHANNEL = "C0MATHS01"
ADA = "U0ADA001"
FLOOD = 40


def mention(number: int, text: str) -> str:
    return signing.event(
        {
            "type": "app_mention",
            "channel": CHANNEL,
            "user": ADA,
            "text": f"<@{BOT_USER}> {text} (take {number})",
            "ts": f"1699998000.{number:06d}",
        }
    )


def test_a_flood_of_mentions_costs_three_placeholders_and_one_private_notice(
    fake_slack: FakeSlack, slack_app: ThreadedApp, redis_conn: redis.Redis, settings: Settings
) -> None:
    problem = aime(1)["problem"]
    bodies = [mention(n, problem) for n in range(1, FLOOD + 1)]
    with ThreadPoolExecutor(8) as pool:  # Slack delivers events concurrently
        codes = list(
            pool.map(lambda body: signing.post(slack_app.url, body, signing.JSON).status_code, bodies)
        )
    assert codes == [200] * FLOOD
    wait_for(lambda: fake_slack.calls_to("chat.postEphemeral"), 10, message="the refusal")
    settle(lambda: len(fake_slack.calls), quiet=2.0, longest=20)

    calls = Counter(c.method for c in fake_slack.api_calls())
    assert len(redis_conn.keys("rq:job:*")) == settings.user_in_flight, "the limit holds"
    assert calls["chat.postMessage"] == settings.user_in_flight, "a placeholder for each admitted one only"
    assert calls["chat.update"] == 0, "no refusal edits"
    (notice,) = fake_slack.calls_to("chat.postEphemeral")
    assert notice.args["user"] == ADA and notice.args["channel"] == CHANNEL
    assert messages.too_many_in_flight("user", settings.user_in_flight) in notice.args["text"]
    assert not notice.args.get("thread_ts"), "shown in the channel, where the mentions were typed"

    solve = signing.command(problem, CHANNEL, ADA, fake_slack.url + "/response/command")
    assert signing.post(slack_app.url, solve, signing.FORM).status_code == 200
    told = wait_for(lambda: fake_slack.calls_to("chat.postEphemeral")[1:], 10, message="the /solve refusal")
    assert messages.too_many_in_flight("user", settings.user_in_flight) in told[0].args["text"]
    settle(lambda: len(fake_slack.calls), quiet=1.0, longest=10)
    assert len(fake_slack.calls_to("chat.postMessage")) == settings.user_in_flight, "no /solve message"
    assert not fake_slack.calls_to("chat.update")
