"""The log redactor: settings' secrets and Discord interaction tokens in URLs never reach a log line."""

from __future__ import annotations

import io
import logging

from mathbot.logs import MAX_MESSAGE_CHARS, REDACTED, OneLine, RedactSecrets


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
