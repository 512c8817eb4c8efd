"""Logging for entry points: one format with ids in every line, and secrets scrubbed from all output."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

REDACTED = "[redacted]"

_URL_TOKENS = re.compile(
    r"(/(?:webhooks|interactions)/\d+/)[A-Za-z0-9_.\-]{20,}"  # /webhooks/<app>/<token>, /interactions/<id>/…
    r"|(['\"]token['\"]\s*:\s*['\"])[^'\"]+"  # 'token': '…' in a logged gateway payload
)
"""Discord interaction tokens, which discord.py logs at DEBUG (in webhook URLs and in the raw
INTERACTION_CREATE payload): each is a credential for 15 minutes, and not one of our settings."""

_SLACK_TOKENS = re.compile(r"\bxox[a-z](?:\.xox[a-z])?-[A-Za-z0-9-]+|\bxapp-[A-Za-z0-9-]+")
"""Slack tokens by their shape: those of workspaces installed through "Add to Slack" are no setting
either (slack_sdk logs oauth.v2.access's response, token included, at DEBUG)."""

_OAUTH_CODES = re.compile(
    r"([?&](?:code|state)=)[^&\s\"']+"  # ?code=…&state=… in the redirect's access-log line
    r"|(['\"](?:code|state)['\"]:\s*\[?['\"])[^'\"]+"  # 'code': '…' / 'code': ['…'] in logged dicts
)
"""An OAuth install's one-time code and state (the redirect's access-log line; Bolt's and slack_sdk's
DEBUG lines): short-lived, but a credential while they live."""


class RedactSecrets(logging.Filter):
    """Replaces every known secret value in a record's final message (and exception text) with [redacted],
    and so Slack tokens (by their shape) and the Discord interaction tokens found in webhook URLs."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        text = _SLACK_TOKENS.sub(REDACTED, text)
        text = _OAUTH_CODES.sub(lambda m: (m.group(1) or m.group(2)) + REDACTED, text)
        return _URL_TOKENS.sub(lambda m: (m.group(1) or m.group(2)) + REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = self.scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        return True


def setup(level: str, secrets: Iterable[str]) -> None:
    """Configure the root logger once, in an entry point: stderr, timestamps, secrets scrubbed."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpx2", "httpcore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
