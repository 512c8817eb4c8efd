"""deploy/slack-manifest.yml matches what the adapter listens to and the Web API methods it calls."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bots.slack import app, handlers, installations, study_handlers
from bots.slack import oauth as slack_oauth

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "deploy" / "slack-manifest.yml"

SCOPE_OF = {
    "chat_postMessage": "chat:write",
    "chat_update": "chat:write",
    "chat_postEphemeral": "chat:write",
    "files_upload_v2": "files:write",
    "users_info": "users:read",
    "conversations_open": "im:write",
}
"""The Web API methods mathbot calls, and the bot scope each needs."""

WEB_API_CALL = r"(?<!metrics)\.(chat_\w+|files_\w+|users_\w+|reactions_\w+|conversations_\w+)\("
"""A Web API call in the adapter's source (`client.chat_postMessage(`; not `metrics.chat_call(`)."""


def manifest() -> dict[str, Any]:
    return dict(yaml.safe_load(MANIFEST.read_text()))


def test_every_request_goes_to_the_one_events_path() -> None:
    data = manifest()
    urls = [
        data["settings"]["event_subscriptions"]["request_url"],
        data["settings"]["interactivity"]["request_url"],
        *[c["url"] for c in data["features"]["slash_commands"]],
    ]
    assert all(u == "https://YOUR-HOST" + app.EVENTS_PATH for u in urls)
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert data["settings"]["socket_mode_enabled"] is False


def test_events_command_and_dm_tab() -> None:
    data = manifest()
    assert set(data["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_mention",
        "message.im",
        "message.channels",
        "message.groups",
        "message.mpim",
        "app_uninstalled",
        "tokens_revoked",
    }
    assert [c["command"] for c in data["features"]["slash_commands"]] == [
        handlers.SOLVE_COMMAND,
        study_handlers.CHECK_COMMAND,
        study_handlers.PRACTICE_COMMAND,
        study_handlers.LEADERBOARD_COMMAND,
        study_handlers.MATHBOT_COMMAND,
    ]
    assert data["features"]["app_home"]["messages_tab_enabled"] is True
    assert data["features"]["app_home"]["messages_tab_read_only_enabled"] is False


def test_scopes_cover_every_method_the_code_calls() -> None:
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    source = "\n".join(p.read_text() for p in (ROOT / "bots" / "slack").glob("*.py"))
    called = set(re.findall(WEB_API_CALL, source))
    assert called <= set(SCOPE_OF), f"add the scope of {called - set(SCOPE_OF)} to SCOPE_OF and the manifest"
    assert {SCOPE_OF[m] for m in called} <= scopes
    assert {"app_mentions:read", "commands", "im:history", "channels:history", "groups:history"} <= scopes


EVENT_SCOPE = {
    "app_mention": "app_mentions:read",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "message.mpim": "mpim:history",
    "app_uninstalled": None,
    "tokens_revoked": None,
}
"""The bot events mathbot subscribes to, and the scope each needs."""


def test_no_scope_is_asked_for_that_nothing_uses() -> None:
    """Every scope serves a Web API method the code calls, an event it subscribes to, or /solve."""
    data = manifest()
    source = "\n".join(p.read_text() for p in (ROOT / "bots" / "slack").glob("*.py"))
    called = set(re.findall(WEB_API_CALL, source))
    events = data["settings"]["event_subscriptions"]["bot_events"]
    needed = {SCOPE_OF[m] for m in called} | {EVENT_SCOPE[e] for e in events} - {None} | {"commands"}
    assert set(data["oauth_config"]["scopes"]["bot"]) == needed


def test_every_kind_of_conversation_mathbot_answers_in_is_subscribed() -> None:
    """Channels, private channels, DMs and group DMs: each one's messages arrive (thread follow-ups)."""
    events = set(manifest()["settings"]["event_subscriptions"]["bot_events"])
    assert {"message.channels", "message.groups", "message.im", "message.mpim"} <= events


def test_add_to_slack_asks_for_the_manifest_s_scopes_and_comes_back_to_the_redirect_path() -> None:
    oauth = manifest()["oauth_config"]
    assert list(installations.BOT_SCOPES) == oauth["scopes"]["bot"]
    assert oauth["redirect_urls"] == ["https://YOUR-HOST" + slack_oauth.REDIRECT_PATH]
    assert "user" not in oauth["scopes"]  # bot tokens only: the install flow asks for no user scopes
