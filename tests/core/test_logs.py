"""The log redactor and the one-line filter: settings' secrets, credentials in any form and Discord
interaction tokens never reach a log line; nothing logged can forge or flood an entry."""

from __future__ import annotations

import io
import logging

from mathbot.errors import from_http
from mathbot.logs import MAX_MESSAGE_CHARS, REDACTED, OneLine, RedactSecrets, scrub_credentials
from mathbot.settings import Settings


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


def one_line(message: str, *args: object, exc: BaseException | None = None) -> str:
    """What the entry points' handler writes for one record (redactor, then the one-line filter)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(()))
    handler.addFilter(OneLine())
    logger = logging.getLogger("tests.logs.one_line")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.warning(message, *args, exc_info=(type(exc), exc, exc.__traceback__) if exc else None)
    return stream.getvalue()


FORGED = "2026-01-01 00:00:00,000 ERROR mathbot.admin: forged entry"


def test_a_newline_in_an_argument_cannot_start_an_entry_of_its_own() -> None:
    out = one_line("rejected request: %s", "harmless\n" + FORGED + "\r\x1b[2Kgone\u2028also")
    assert out.count("\n") == 1  # the entry's own end, nothing else
    assert "harmless\\n" + FORGED + "\\r\\x1b[2Kgone\\u2028also" in out
    assert "\ttabs stay" in one_line("\ttabs stay")


def test_a_huge_message_is_capped_with_a_count() -> None:
    out = one_line("body: %s", "A" * 900_000)
    assert len(out) < MAX_MESSAGE_CHARS + 100
    assert out.rstrip().endswith(f"… [{900_006 - MAX_MESSAGE_CHARS} more characters]")


def test_a_traceback_stays_readable_but_no_line_of_it_passes_for_an_entry() -> None:
    try:
        raise ValueError("bad body\n" + FORGED + "\n" + "B" * 50_000)
    except ValueError as exc:
        out = one_line("failed", exc=exc)
    lines = out.splitlines()
    assert lines[0] == "WARNING tests.logs.one_line: failed"
    assert all(line == "" or line[0].isspace() for line in lines[1:])
    assert lines[1] == "  Traceback (most recent call last):"
    assert "  ValueError: bad body" in lines and "  " + FORGED in lines  # indented: a continuation
    assert max(len(line) for line in lines) < MAX_MESSAGE_CHARS + 100


def test_credentials_in_any_form_are_scrubbed() -> None:
    line = (
        "GET http://tgi:pa55word@gpu-1:8080/v1 failed; REDIS_URL=redis://:hunter22@redis:6379/0; "
        "echo: {'Authorization': 'Basic dXNlcjpwYTU1d29yZA==', 'x': 'Bearer sk-live-0123456789'}"
    )
    out = scrub_credentials(line)
    for secret in ("pa55word", "hunter22", "dXNlcjpwYTU1d29yZA", "sk-live-0123456789"):
        assert secret not in out
    assert f"http://tgi:{REDACTED}@gpu-1:8080/v1" in out and f"redis://:{REDACTED}@redis:6379/0" in out
    assert f"'Basic {REDACTED}'" in out and f"Bearer {REDACTED}" in out
    assert REDACTED in logged(line) and "hunter22" not in logged(line)  # every log line, via the filter


def test_words_that_only_look_like_credentials_stay() -> None:
    line = "Basic arithmetic: see https://example.org/a@b and user@example.org; Bearer bonds"
    assert scrub_credentials(line) == line


def test_passwords_in_settings_urls_are_known_secrets() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, REDIS_URL="redis://:r3dis-pass@h:6379/0", TGI_URL="http://a:b%40cdefg@h1,http://h2"
    )
    assert {"r3dis-pass", "b@cdefg"} <= set(settings.secrets())


def test_an_error_detail_carries_no_credentials() -> None:
    error = from_http(500, "proxy http://u:secret-pw@tgi failed, Authorization: Basic dTpzZWNyZXQtcHc=")
    assert "secret-pw" not in error.detail and "dTpzZWNyZXQtcHc" not in error.detail
