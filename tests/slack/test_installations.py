"""The Redis installation and OAuth state stores (slack_sdk's interfaces), against a real Redis."""

from __future__ import annotations

import time

import pytest
import redis
from slack_sdk.oauth.installation_store.models.installation import Installation

from bots.slack import installations
from bots.slack.installations import RedisInstallationStore, RedisOAuthStateStore
from mathbot.errors import NotInstalled
from mathbot.settings import Settings

CLIENT = "1111.2222"


def installation(
    team: str | None, token: str, *, user: str = "U0ANN", enterprise: str | None = None
) -> Installation:
    return Installation(
        app_id="A0MATHBOT",
        enterprise_id=enterprise,
        team_id=team,
        team_name="Algebra Club",
        bot_token=token,
        bot_id="B0BOT",
        bot_user_id="U0BOT",
        bot_scopes="chat:write,commands",
        user_id=user,
        is_enterprise_install=team is None,
        token_type="bot",
    )


def test_an_installation_outlives_the_process_that_saved_it(redis_url: str) -> None:
    """Saved by one adapter, found by a worker with its own connection (a restart is no different)."""
    first = redis.Redis.from_url(redis_url)
    RedisInstallationStore(first, CLIENT).save(installation("T0ALG", "xoxb-alg-1"))
    first.close()
    later = RedisInstallationStore(redis.Redis.from_url(redis_url), CLIENT)
    bot = later.find_bot(enterprise_id=None, team_id="T0ALG")
    assert bot is not None
    assert (bot.bot_token, bot.bot_user_id, bot.bot_id) == ("xoxb-alg-1", "U0BOT", "B0BOT")
    assert bot.bot_scopes == ["chat:write", "commands"]
    found = later.find_installation(enterprise_id=None, team_id="T0ALG")
    assert found is not None and found.user_id == "U0ANN" and found.team_name == "Algebra Club"
    assert later.find_bot(enterprise_id=None, team_id="T0OTHER") is None
    assert (
        RedisInstallationStore(redis.Redis.from_url(redis_url), "another-app").find_bot(
            enterprise_id=None, team_id="T0ALG"
        )
        is None
    )  # one Redis may serve several Slack apps
    assert later.installed() == 1


def test_a_reinstall_replaces_the_bot_token(redis_conn: redis.Redis) -> None:
    store = RedisInstallationStore(redis_conn, CLIENT)
    store.save(installation("T0ALG", "xoxb-alg-1", user="U0ANN"))
    store.save(installation("T0ALG", "xoxb-alg-2", user="U0BOB"))
    assert store.find_bot(enterprise_id=None, team_id="T0ALG").bot_token == "xoxb-alg-2"  # type: ignore[union-attr]
    anns = store.find_installation(enterprise_id=None, team_id="T0ALG", user_id="U0ANN")
    assert anns is not None and anns.bot_token == "xoxb-alg-2"  # the workspace's bot is the latest one
    assert store.installed() == 1


def test_revoking_the_bot_or_uninstalling_deletes_the_tokens(redis_conn: redis.Redis) -> None:
    store = RedisInstallationStore(redis_conn, CLIENT)
    store.save(installation("T0ALG", "xoxb-alg-1"))
    store.save(installation("T0BEE", "xoxb-bee-1"))
    store.delete_bot(enterprise_id=None, team_id="T0ALG")
    assert store.find_bot(enterprise_id=None, team_id="T0ALG") is None
    store.delete_installation(enterprise_id=None, team_id="T0ALG", user_id="U0ANN")
    assert store.find_installation(enterprise_id=None, team_id="T0ALG") is None
    store.delete_all(enterprise_id=None, team_id="T0BEE")
    assert store.find_bot(enterprise_id=None, team_id="T0BEE") is None
    assert not redis_conn.keys(installations.PREFIX + "*")


def test_an_org_wide_install_answers_for_every_workspace_of_its_org(redis_conn: redis.Redis) -> None:
    store = RedisInstallationStore(redis_conn, CLIENT)
    store.save(installation(None, "xoxb-org-1", enterprise="E0GRID"))
    for team in ("T0ONE", "T0TWO"):
        bot = store.find_bot(enterprise_id="E0GRID", team_id=team)
        assert bot is not None and bot.bot_token == "xoxb-org-1"
    assert store.find_bot(enterprise_id="E0OTHER", team_id="T0ONE") is None
    assert store.find_bot(enterprise_id=None, team_id="T0ONE") is None
    store.delete_all(enterprise_id="E0GRID", team_id=None)  # app_uninstalled from the org
    assert store.find_bot(enterprise_id="E0GRID", team_id="T0ONE") is None


async def test_the_async_side_reads_and_writes_the_same_hash(redis_conn: redis.Redis) -> None:
    store = RedisInstallationStore(redis_conn, CLIENT)
    await store.async_save(installation("T0ALG", "xoxb-alg-1"))
    assert store.find_bot(enterprise_id=None, team_id="T0ALG") is not None
    bot = await store.async_find_bot(enterprise_id=None, team_id="T0ALG")
    assert bot is not None and bot.bot_token == "xoxb-alg-1"
    assert await store.async_find_installation(enterprise_id=None, team_id="T0ALG") is not None
    await store.async_delete_all(enterprise_id=None, team_id="T0ALG")
    assert await store.async_find_bot(enterprise_id=None, team_id="T0ALG") is None


async def test_an_oauth_state_is_good_once_and_not_for_long(redis_conn: redis.Redis) -> None:
    store = RedisOAuthStateStore(redis_conn, ttl=2)
    state = await store.async_issue()
    assert 0 < redis_conn.ttl(installations.STATE_PREFIX + state) <= 2
    assert await store.async_consume(state) is True
    assert await store.async_consume(state) is False  # a replayed redirect
    assert store.consume("never-issued") is False and store.consume("") is False
    stale = store.issue()
    time.sleep(2.1)
    assert store.consume(stale) is False


def test_workers_resolve_the_token_of_the_question_s_workspace(redis_conn: redis.Redis) -> None:
    oauth = Settings(_env_file=None, SLACK_CLIENT_ID=CLIENT, SLACK_BOT_TOKEN="xoxb-ignored")  # type: ignore[call-arg]
    RedisInstallationStore(redis_conn, CLIENT).save(installation("T0ALG", "xoxb-alg-1"))
    assert installations.bot_token(oauth, redis_conn, team="T0ALG", enterprise=None) == "xoxb-alg-1"
    with pytest.raises(NotInstalled) as refused:
        installations.bot_token(oauth, redis_conn, team="T0BEE", enterprise=None)
    assert "team=T0BEE" in refused.value.detail and "xoxb" not in refused.value.detail
    single = Settings(_env_file=None, SLACK_BOT_TOKEN="xoxb-one", SLACK_CLIENT_ID=None)  # type: ignore[call-arg]
    assert installations.bot_token(single, redis_conn, team="T0BEE", enterprise=None) == "xoxb-one"
