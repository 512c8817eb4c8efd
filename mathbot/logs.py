"""Logging for entry points: one format with ids in every line, secrets scrubbed from all output, and
every entry one line of bounded length (nothing a request carries can forge or flood a log entry).

Two formats (MATHBOT_LOG_FORMAT): text, for people, and JSON, one object a line for log pipelines, with
the question id of the job being run (`question_context`) on every line of it. Both pass the same filters.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import json
import logging
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

REDACTED = "[redacted]"

MAX_MESSAGE_CHARS = 1000
"""Longest logged message (after formatting); the rest is dropped with a count. Ids and reasons fit in
a few hundred characters: only a pasted body or an echoed payload is ever longer."""

MAX_TRACEBACK_CHARS = 20_000
"""Longest logged traceback (each of its lines is also capped at MAX_MESSAGE_CHARS)."""

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


_URL_PASSWORD = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:)[^\s/@]+(?=@)")
"""The password of `scheme://user:password@host` (REDIS_URL, TGI_URL, or any URL a library prints)."""

_BASIC = re.compile(r"\b(Basic\s+)([A-Za-z0-9+/]{4,}={0,2})")
_BEARER = re.compile(r"\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}")


def scrub_credentials(text: str) -> str:
    """`text` without credentials in any form: URL passwords, `Basic …` and `Bearer …` values (pure;
    for log lines, error details and messages alike). Settings' own secrets: `RedactSecrets`."""
    text = _URL_PASSWORD.sub(lambda m: m.group(1) + REDACTED, text)
    text = _BASIC.sub(lambda m: m.group(1) + REDACTED if _is_basic(m.group(2)) else m.group(0), text)
    return _BEARER.sub(lambda m: m.group(1) + REDACTED, text)


def _is_basic(value: str) -> bool:
    """Whether `value` is HTTP Basic credentials (base64 of `user:password`), not a word ("Basic facts")."""
    try:
        return b":" in base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except ValueError:
        return False


class RedactSecrets(logging.Filter):
    """Replaces every known secret value in a record's final message (and exception text) with [redacted],
    and so credentials in any form (`scrub_credentials`), Slack tokens (by their shape), OAuth codes and
    the Discord interaction tokens found in webhook URLs."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        text = scrub_credentials(text)
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


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
"""Control characters (tab aside) and Unicode line breaks: each could end an entry or rewrite a terminal."""

_NAMED = {"\n": "\\n", "\r": "\\r"}


def escape_controls(text: str) -> str:
    """`text` with newlines and other control characters written as escapes (`\\n`, `\\x1b`)."""
    return _CONTROL.sub(lambda m: _NAMED.get(m.group(0)) or repr(m.group(0))[1:-1], text)


def cap(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, saying how many were dropped."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit} more characters]"


class OneLine(logging.Filter):
    """Makes every record one line of bounded length: control characters in the message escaped, the
    message capped at MAX_MESSAGE_CHARS; a traceback stays multi-line, but each of its lines is
    indented (no line of it can pass for an entry of its own), escaped and capped, and so its total."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = cap(escape_controls(record.getMessage()), MAX_MESSAGE_CHARS), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _indented(record.exc_text)
        if record.stack_info:
            record.stack_info = _indented(record.stack_info)
        return True


def _indented(text: str) -> str:
    lines = (cap(escape_controls(line), MAX_MESSAGE_CHARS) for line in text.split("\n"))
    return cap(
        "\n".join(line if not line or line[0].isspace() else "  " + line for line in lines),
        MAX_TRACEBACK_CHARS,
    )


_QUESTION: contextvars.ContextVar[str | None] = contextvars.ContextVar("mathbot_question", default=None)


@contextlib.contextmanager
def question_context(question_id: str) -> Iterator[None]:
    """Every log line written inside the block (this thread or task, and threads started with a copy of
    its context) carries `question_id`: the worker sets it for the job it runs."""
    token = _QUESTION.set(question_id)
    try:
        yield
    finally:
        _QUESTION.reset(token)


class QuestionId(logging.Filter):
    """Sets `record.question_id`: the question whose job is running here, or None."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.question_id = _QUESTION.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601, milliseconds), level, logger, message, question_id
    (when a job's), exception (the traceback, when there is one)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        question_id = getattr(record, "question_id", None)
        if question_id:
            entry["question_id"] = question_id
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup(level: str, secrets: Iterable[str], fmt: str = "text") -> None:
    """Configure the root logger once, in an entry point: stderr, timestamps, secrets scrubbed, one
    line per entry; `fmt` "json" writes each entry as a JSON object (`JsonFormatter`)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RedactSecrets(secrets))  # before the cap: a secret cut in two is not scrubbed
    handler.addFilter(OneLine())
    handler.addFilter(QuestionId())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpx2", "httpcore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
