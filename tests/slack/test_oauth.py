"""Slack for many workspaces: two installed through the real "Add to Slack" flow (the fake Slack's
consent page and oauth.v2.access), each answered with its own token; an uninstall stops one, not the other.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from bots.slack import installations
from mathbot import limits, queue
from mathbot.jobs import Question, ReplyTarget, Turn
from mathbot.settings import Settings
from tests.fakes.slack import BOT_TOKEN, signing
from tests.fakes.slack.oauth import CLIENT_ID, CLIENT_SECRET, FakeSlackOAuth, Workspace
from tests.fakes.slack.signing import SIGNING_SECRET
from tests.slack import flows
from tests.support import processes
from tests.support.data import aime
from tests.support.env import settings_env
from tests.support.processes import wait_for
from tests.support.servers import ThreadedApp, free_port

ALGEBRA = Workspace(
    "T0ALGEBRA", "Algebra Club", "U0BOTALG1", "B0BOTALG1", "U0ANN0001", frozenset({"C0ALGEBRA"})
)
BEES = Workspace("T0BEES001", "Bee School", "U0BOTBEE1", "B0BOTBEE1", "U0BEA0001", frozenset({"C0BEES001"}))
COOKIE = "slack-app-oauth-state"


@pytest.fixture
def fake() -> Iterator[FakeSlackOAuth]:
    workspaces = [
        Workspace(w.team, w.name, w.bot_user, w.bot_id, w.installer, w.channels) for w in (ALGEBRA, BEES)
    ]
    fake = FakeSlackOAuth(workspaces)
    server = ThreadedApp(fake.app).start()
    fake.url = server.url
    yield fake
    server.stop()


@pytest.fixture
def env(redis_url: str, sim: ThreadedApp, fake: FakeSlackOAuth) -> dict[str, str]:
    """OAuth mode: client id and secret, no SLACK_BOT_TOKEN."""
    return settings_env(
        redis_url,
        sim.url,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.url + "/api/",
    )


def install(app_url: str, team: str) -> httpx.Response:
    """What an installer's browser does: the install page (and its state cookie), Slack's consent page
    (which sends it back with a code), then mathbot's redirect with the code, state and cookie."""
    page = httpx.get(app_url + "/slack/install", params={"team": team}, timeout=10)
    assert page.status_code == 200 and "Add to Slack" in page.text
    state_cookie = re.match(rf"{COOKIE}=([^;]+)", page.headers["set-cookie"])
    assert state_cookie is not None
    link = html.unescape(re.search(r'<a href="([^"]+)"', page.text).group(1))  # type: ignore[union-attr]
    consent = httpx.get(link, timeout=10)
    assert consent.status_code == 302, consent.text
    back = consent.headers["location"]
    return httpx.get(back, headers={"Cookie": f"{COOKIE}={state_cookie.group(1)}"}, timeout=10)


def mention(workspace: Workspace, user: str, text: str, ts: str) -> str:
    channel = next(iter(workspace.channels))
    event = {
        "type": "app_mention",
        "channel": channel,
        "user": user,
        "text": f"<@{workspace.bot_user}> {text}",
    }
    return workspace.envelope({**event, "ts": ts})


def healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def burst(env: dict[str, str], log: Path) -> None:
    """`mathbot worker --burst`: answers what is queued, then exits."""
    worker = processes.start(["worker", "--burst"], env, log=log)
    try:
        worker.wait(timeout=60)
    finally:
        processes.stop(worker)
    assert worker.returncode == 0, log.read_text()


def test_two_workspaces_installed_answered_with_their_own_tokens_until_one_uninstalls(
    fake: FakeSlackOAuth, env: dict[str, str], settings: Settings, redis_conn: redis.Redis, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    debug = {**env, "MATHBOT_LOG_LEVEL": "DEBUG"}
    adapter_env = {**debug, "PORT": str(port), "MATHBOT_SLACK_REDIRECT_URL": url + "/slack/oauth_redirect"}
    adapter = processes.start(["slack"], adapter_env, log=tmp_path / "slack.log")
    algebra, bees = fake.workspaces[ALGEBRA.team], fake.workspaces[BEES.team]
    (a_channel,), (b_channel,) = algebra.channels, bees.channels
    try:
        wait_for(lambda: healthy(url) or adapter.poll() is not None, 20, message="`mathbot slack`")
        assert adapter.poll() is None, (tmp_path / "slack.log").read_text()

        # Both workspaces add mathbot.
        for workspace in (algebra, bees):
            done = install(url, workspace.team)
            assert done.status_code == 200 and "Thank you!" in done.text, done.text
        assert algebra.token and bees.token and algebra.token != bees.token
        store = installations.RedisInstallationStore(redis_conn, CLIENT_ID)
        for workspace in (algebra, bees):
            bot = store.find_bot(enterprise_id=None, team_id=workspace.team)
            assert bot is not None and bot.bot_token == workspace.token
            assert bot.bot_user_id == workspace.bot_user and bot.bot_id == workspace.bot_id  # auth.test's
        [authorize_call, *_] = fake.calls_to("oauth.authorize")
        assert authorize_call.args["scope"] == ",".join(installations.BOT_SCOPES)
        assert authorize_call.args["redirect_uri"] == url + "/slack/oauth_redirect"

        # A question in each: each answered, every call with its workspace's token.
        a1, b1 = "1699999999.100001", "1699999999.200001"
        for workspace, user, problem, ts in ((algebra, "U0ANN0001", 1, a1), (bees, "U0BEA0001", 2, b1)):
            body = mention(workspace, user, aime(problem)["problem"], ts)
            assert signing.post(url, body, signing.JSON).status_code == 200
        a1_placeholder = flows.placeholder(fake, a_channel, a1)
        b1_placeholder = flows.placeholder(fake, b_channel, b1)
        burst(env, tmp_path / "worker1.log")
        assert flows.headline(flows.final(fake, a1_placeholder)) == "Final answer: 70"
        assert flows.headline(flows.final(fake, b1_placeholder)) == "Final answer: 588"
        for workspace, channel in ((algebra, a_channel), (bees, b_channel)):
            calls = fake.calls_in(channel)
            assert {c.method for c in calls} >= {"chat.postMessage", "chat.update"}
            assert {c.token for c in calls} == {workspace.token}
            assert all(c.response.get("ok") for c in calls)

        # Bee School removes mathbot while a question of each workspace waits in the queue.
        a2, b2 = "1699999999.100002", "1699999999.200002"
        signing.post(url, mention(algebra, "U0ANN0001", "What is 6 times 7?", a2), signing.JSON)
        signing.post(url, mention(bees, "U0BEA0001", "What is 6 times 7?", b2), signing.JSON)
        a2_placeholder = flows.placeholder(fake, a_channel, a2)
        flows.placeholder(fake, b_channel, b2)
        wait_for(lambda: queue.question_queue(settings, redis_conn).count == 2, 10, message="2 queued")
        bees_token = bees.token
        assert signing.post(url, fake.uninstall(bees.team), signing.JSON).status_code == 200
        wait_for(lambda: queue.question_queue(settings, redis_conn).count == 1, 10, message="dropped")
        assert store.find_bot(enterprise_id=None, team_id=bees.team) is None
        assert not redis_conn.zcard(f"{limits.PREFIX}flight:user:slack:U0BEA0001")  # its limits released
        wait_for(lambda: "dropped" in (tmp_path / "slack.log").read_text(), 5, message="the drop logged")

        # A Bee School question taken in just before the uninstall, found by a worker afterwards.
        late = Question(
            target=ReplyTarget(
                platform="slack",
                channel=b_channel,
                thread=b2,
                placeholder="1.0",
                user="U0BEA0002",
                team=bees.team,
            ),
            turns=[Turn(role="user", content="What is 2 + 2?")],
        )
        queue.enqueue(late, settings, redis_conn)
        calls_before = len(fake.api_calls())
        burst(env, tmp_path / "worker2.log")
        assert flows.headline(flows.final(fake, a2_placeholder)).startswith("Final answer")
        later = fake.api_calls()[calls_before:]
        assert later and {c.token for c in later} == {algebra.token}  # nothing more for Bee School
        assert not [c for c in fake.calls if c.token == bees_token and c.response.get("error")]
        worker_log = (tmp_path / "worker2.log").read_text()
        assert f"question={late.id} dropped" in worker_log and "Traceback" not in worker_log
        assert not redis_conn.zcard(f"{limits.PREFIX}flight:user:slack:U0BEA0002")
        assert queue.question_queue(settings, redis_conn).count == 0
    finally:
        processes.stop(adapter)
    assert adapter.returncode == 0

    logs = "".join(p.read_text() for p in sorted(tmp_path.glob("*.log")))
    assert " DEBUG " in logs and "oauth.v2.access" in logs  # the install's response was logged, redacted
    states = [c.args["state"] for c in fake.calls_to("oauth.authorize")]
    for secret in (algebra.token, bees_token, CLIENT_SECRET, SIGNING_SECRET, "code-T0", *states):
        assert secret and secret not in logs


def test_the_single_token_mode_is_untouched_by_the_oauth_machinery(redis_conn: redis.Redis) -> None:
    """No SLACK_CLIENT_ID: SLACK_BOT_TOKEN for every workspace, no store lookup, no install routes."""
    settings = Settings(_env_file=None, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_CLIENT_ID=None)  # type: ignore[call-arg]
    assert not installations.oauth_enabled(settings)
    assert installations.bot_token(settings, redis_conn, team="T0ANY", enterprise=None) == BOT_TOKEN


@pytest.fixture
def oauth_app(settings: Settings, fake: FakeSlackOAuth, redis_conn: redis.Redis) -> Iterator[ThreadedApp]:
    """The adapter in OAuth mode, in a thread; no MATHBOT_SLACK_REDIRECT_URL: Slack uses the app's own."""
    from bots.slack.app import create_web_app

    server = ThreadedApp(lambda: create_web_app(settings)).start()
    fake.redirect_url = server.url + "/slack/oauth_redirect"
    yield server
    server.stop()


def test_an_install_redirect_needs_its_browser_and_counts_once(
    fake: FakeSlackOAuth, oauth_app: ThreadedApp, redis_conn: redis.Redis
) -> None:
    store = installations.RedisInstallationStore(redis_conn, CLIENT_ID)
    page = httpx.get(oauth_app.url + "/slack/install", params={"team": ALGEBRA.team})
    cookie = re.match(rf"{COOKIE}=([^;]+)", page.headers["set-cookie"])
    assert cookie is not None and "HttpOnly" in page.headers["set-cookie"]
    link = html.unescape(re.search(r'<a href="([^"]+)"', page.text).group(1))  # type: ignore[union-attr]
    assert "redirect_uri" not in link  # the app's configured Redirect URL
    back = httpx.get(link).headers["location"]

    elsewhere = httpx.get(back)  # the link opened in another browser: no state cookie
    assert elsewhere.status_code == 400
    assert store.find_bot(enterprise_id=None, team_id=ALGEBRA.team) is None
    assert not fake.calls_to("oauth.v2.access")

    done = httpx.get(back, headers={"Cookie": f"{COOKIE}={cookie.group(1)}"})
    assert done.status_code == 200 and "Thank you!" in done.text
    assert store.find_bot(enterprise_id=None, team_id=ALGEBRA.team) is not None

    replay = httpx.get(back, headers={"Cookie": f"{COOKIE}={cookie.group(1)}"})
    assert replay.status_code == 401  # the state was used up
    assert len(fake.calls_to("oauth.v2.access")) == 1
    assert not redis_conn.keys(installations.STATE_PREFIX + "*")


def test_a_revoked_bot_token_deletes_it_and_drops_the_workspace_s_questions(
    fake: FakeSlackOAuth, oauth_app: ThreadedApp, settings: Settings, redis_conn: redis.Redis
) -> None:
    for workspace in (ALGEBRA, BEES):
        assert install(oauth_app.url, workspace.team).status_code == 200
    algebra, bees = fake.workspaces[ALGEBRA.team], fake.workspaces[BEES.team]
    (a_channel,), (b_channel,) = algebra.channels, bees.channels
    for workspace, user, channel, ts in (
        (algebra, "U0ANN0001", a_channel, "1699999999.300001"),
        (bees, "U0BEA0001", b_channel, "1699999999.400001"),
        (bees, "U0BEA0002", b_channel, "1699999999.400002"),
    ):
        signing.post(oauth_app.url, mention(workspace, user, "What is 6 times 7?", ts), signing.JSON)
        flows.placeholder(fake, channel, ts)
    questions = queue.question_queue(settings, redis_conn)
    wait_for(lambda: questions.count == 3, 10, message="3 questions queued")

    revoked = bees.envelope({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [bees.bot_user]}})
    fake.revoked.update(bees.tokens)
    assert signing.post(oauth_app.url, revoked, signing.JSON).status_code == 200
    wait_for(lambda: questions.count == 1, 10, message="Bee School's questions dropped")
    store = installations.RedisInstallationStore(redis_conn, CLIENT_ID)
    assert store.find_bot(enterprise_id=None, team_id=bees.team) is None
    assert store.find_bot(enterprise_id=None, team_id=algebra.team) is not None
    [left] = [Question.model_validate(job.args[0]) for job in questions.get_jobs()]
    assert left.target.team == algebra.team
    for user in ("U0BEA0001", "U0BEA0002"):
        assert not redis_conn.zcard(f"{limits.PREFIX}flight:user:slack:{user}")
    assert redis_conn.zcard(f"{limits.PREFIX}flight:user:slack:U0ANN0001") == 1


def test_oauth_mode_needs_the_client_secret_and_no_bot_token(env: dict[str, str]) -> None:
    result = processes.run(
        ["slack"], {k: v for k, v in env.items() if k != "SLACK_CLIENT_SECRET"}, timeout=30
    )
    assert result.returncode == 2 and "SLACK_CLIENT_SECRET" in result.stderr
    assert CLIENT_SECRET not in result.stderr


def test_socket_mode_still_serves_add_to_slack_on_the_port(
    settings: Settings, fake: FakeSlackOAuth, redis_conn: redis.Redis
) -> None:
    """Socket Mode needs no public URL for events, but the install page and its redirect are web pages."""
    from bots.slack.app import build_app, web_app

    async def connected() -> bool:
        return True

    bolt = build_app(settings, redis_conn)
    server = ThreadedApp(lambda: web_app(None, redis_conn, connected, flow=bolt.oauth_flow)).start()
    try:
        page = httpx.get(server.url + "/slack/install", params={"team": ALGEBRA.team})
        assert page.status_code == 200 and "Add to Slack" in page.text
        assert httpx.get(server.url + "/slack/oauth_redirect").status_code == 400  # no state cookie
        assert httpx.post(server.url + "/slack/events", content="{}").status_code == 404  # over the socket
        assert httpx.get(server.url + "/health").json() == {"ok": True, "redis": True, "socket_mode": True}
    finally:
        server.stop()
