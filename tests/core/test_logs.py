"""The log redactor: settings' secrets and Discord interaction tokens in URLs never reach a log line."""

from __future__ import annotations

import io
import logging

from mathbot.logs import REDACTED, RedactSecrets


def logged(message: str, *args: object, secrets: tuple[str, ...] = ()) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets(secrets))
    logger = logging.getLogger("tests.logs")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.warning(message, *args)
    return stream.getvalue()


def test_known_secrets_are_scrubbed_from_arguments() -> None:
    out = logged("token is %s", "xoxb-SECRET-123456", secrets=("xoxb-SECRET-123456",))
    assert "SECRET" not in out and REDACTED in out


def test_discord_interaction_tokens_in_urls_are_scrubbed() -> None:
    token = "aW50ZXJhY3Rpb246MTMwMDAwMDAwMDAwMDAwMDAxMTpBYmNkRWZnaElqa2w"
    line = (  # as discord.py's webhook module logs it at DEBUG
        "Webhook ID 1300000000000000011 with POST "
        f"https://discord.com/api/v10/interactions/1300000000000000011/{token}/callback has returned 200"
    )
    out = logged(line)
    assert token not in out
    assert f"/interactions/1300000000000000011/{REDACTED}/callback" in out
    follow_up = logged(f"PATCH https://discord.com/api/v10/webhooks/1299/{token}/messages/@original")
    assert token not in follow_up and f"/webhooks/1299/{REDACTED}/messages" in follow_up


def test_ordinary_ids_in_urls_stay() -> None:
    line = "POST https://discord.com/api/v10/channels/1300000000000000002/messages has returned 200"
    assert logged(line).strip() == line


def test_a_logged_gateway_payload_loses_its_token() -> None:
    out = logged("WebSocket Event: %s", {"id": "1", "token": "itoken-1300000000000000007", "type": 2})
    assert "itoken-" not in out and f"'token': '{REDACTED}'" in out


def test_slack_tokens_no_setting_knows_are_scrubbed_by_their_shape() -> None:
    """Tokens of workspaces installed through "Add to Slack" live in Redis, not in the settings."""
    body = {"ok": True, "access_token": "xoxb-T0ALG-42-a1b2c3", "refresh_token": "xoxe-1-abc"}
    out = logged("Received the following response - body: %s", body)
    assert "xoxb-" not in out and "xoxe-1" not in out and f"'access_token': '{REDACTED}'" in out
    rotated = logged("token %s and app token %s", "xoxe.xoxb-1-MTIz", "xapp-1-A0-123-abc")
    assert "MTIz" not in rotated and "xapp-1" not in rotated


def test_an_oauth_code_and_state_are_scrubbed() -> None:
    line = '127.0.0.1 "GET /slack/oauth_redirect?code=1234.5678.abcd&state=s3cr3t HTTP/1.1" 200'
    out = logged(line)
    assert "1234.5678" not in out and "s3cr3t" not in out
    assert f"?code={REDACTED}&state={REDACTED} HTTP/1.1" in out
    request = logged("Sending a request - data: %s", {"redirect_uri": "https://x/r", "code": "1234.5678.a"})
    assert "1234.5678" not in request and "https://x/r" in request
    query = logged("query: %s", {"code": ["1234.5678.abcd"], "state": ["s3cr3t"], "team": ["T0ALG"]})
    assert "1234.5678" not in query and "s3cr3t" not in query and "T0ALG" in query
