"""A small synchronous Discord REST client for the worker: post, edit and delete messages, with files.

The worker runs inside a sync RQ job, so it talks to Discord with httpx, never with discord.py's
gateway client. Every message carries `allowed_mentions` that allow nothing. Rate limits are
respected: a `429` (or an exhausted `X-RateLimit-Remaining` bucket) makes an essential call wait for
`Retry-After` and try again, and makes a best-effort call (a progress edit) give up at once. A created
message carries a fresh `nonce` with `enforce_nonce`, so retrying a create that Discord carried out but
answered with a 5xx or a dropped connection returns that message instead of posting it twice.

DiscordError            any failed call; `.status` (None: no response), `.code` (Discord's JSON code)
└── RateLimited         429, or a bucket known to be empty, on a best-effort call
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from bots.discord import telemetry
from mathbot.backoff import backoff

log = logging.getLogger(__name__)

REQUEST_TIMEOUT = 15.0
"""Seconds for one REST call (far below the job timeout)."""

MAX_RATE_LIMIT_WAIT = 60.0
"""Longest wait an essential call accepts for a rate limit before it fails."""

ESSENTIAL_ATTEMPTS = 4
"""Tries of an essential call (answer, error) through 429s, 5xx and dropped connections."""

SERVER_ERROR_BACKOFF = 1.0
"""First wait after a 5xx or a dropped connection; doubles per attempt."""

NO_MENTIONS: dict[str, Any] = {"parse": []}
"""`allowed_mentions` for every message: model output and echoed user text never ping anyone."""

USER_AGENT = "DiscordBot (https://github.com/mathbot/mathbot, 0.1) mathbot-worker"

UNKNOWN_MESSAGE = 10008
"""Discord's JSON error code for a deleted or unknown message."""

MISSING_PERMISSIONS = 50013
"""Discord's JSON error code for a permission the bot lacks in the channel (e.g. Attach Files)."""

THREAD_ARCHIVED = 50083
"""Discord's JSON error code for an edit or delete in an archived thread."""


class DiscordError(Exception):
    """A Discord REST call failed."""

    def __init__(self, status: int | None, message: str, code: int | None = None) -> None:
        super().__init__(f"{status} {code or ''} {message}".strip())
        self.status, self.code, self.message = status, code, message


class RateLimited(DiscordError):
    """A best-effort call hit a rate limit; `retry_after` seconds until the bucket refills."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(429, f"rate limited for {retry_after:.2f} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Upload:
    """A file attached to a message."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"
    description: str = ""


class RestClient:
    """Discord REST over httpx, authenticated as the bot (`Authorization: Bot <token>`)."""

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        timeout: float = REQUEST_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = httpx.Client(
            base_url=api_url.rstrip("/"),
            headers={"Authorization": f"Bot {token}", "User-Agent": USER_AGENT},
            timeout=timeout,
            transport=transport,
        )
        self.sleep, self.clock = sleep, clock
        self._bucket_reset: dict[str, float] = {}
        """Route key → monotonic time its bucket refills (only for buckets known to be empty)."""

    def close(self) -> None:
        self.http.close()

    def create_message(
        self,
        channel_id: str,
        content: str,
        *,
        embeds: Sequence[dict[str, Any]] = (),
        files: Sequence[Upload] = (),
        components: Sequence[dict[str, Any]] = (),
        best_effort: bool = False,
    ) -> dict[str, Any]:
        """POST /channels/{id}/messages (with buttons when `components` are given); returns the message.

        Idempotent across this call's retries: Discord returns the message already created with the
        same nonce (`enforce_nonce`) instead of a second one."""
        payload: dict[str, Any] = {
            "content": content,
            "embeds": list(embeds),
            "allowed_mentions": NO_MENTIONS,
            "nonce": str(secrets.randbits(63)),  # at most 19 digits: Discord allows 25 characters
            "enforce_nonce": True,
        }
        if components:
            payload["components"] = list(components)
        return self._request("POST", f"/channels/{channel_id}/messages", payload, files, best_effort)

    def edit_message(
        self,
        channel_id: str,
        message_id: str,
        content: str,
        *,
        embeds: Sequence[dict[str, Any]] = (),
        files: Sequence[Upload] = (),
        components: Sequence[dict[str, Any]] = (),
        best_effort: bool = False,
    ) -> dict[str, Any]:
        """PATCH /channels/{id}/messages/{id}: content, embeds, attachments and components (buttons)
        are all replaced: an edit without `components` removes the message's buttons."""
        payload: dict[str, Any] = {
            "content": content,
            "embeds": list(embeds),
            "allowed_mentions": NO_MENTIONS,
            "attachments": [],
            "components": list(components),
        }
        path = f"/channels/{channel_id}/messages/{message_id}"
        return self._request("PATCH", path, payload, files, best_effort)

    def unarchive_thread(self, thread_id: str) -> None:
        """PATCH /channels/{id} `{"archived": false}`: allowed to whoever may send in an unlocked thread."""
        self._request("PATCH", f"/channels/{thread_id}", {"archived": False}, (), False)

    def start_thread(
        self, channel_id: str, message_id: str, name: str, archive_minutes: int = 1440
    ) -> dict[str, Any]:
        """POST /channels/{id}/messages/{id}/threads: a public thread from a message (its id is the
        message's)."""
        payload = {"name": name, "auto_archive_duration": archive_minutes}
        return self._request(
            "POST", f"/channels/{channel_id}/messages/{message_id}/threads", payload, (), False
        )

    def open_dm(self, user_id: str) -> str:
        """POST /users/@me/channels: the bot's direct-message channel with a user (its id)."""
        return str(self._request("POST", "/users/@me/channels", {"recipient_id": user_id}, (), False)["id"])

    def edit_original(
        self,
        application_id: str,
        token: str,
        content: str,
        *,
        files: Sequence[Upload] = (),
        components: Sequence[dict[str, Any]] = (),
    ) -> dict[str, Any]:
        """PATCH /webhooks/{app}/{token}/messages/@original: an interaction's first response (an ephemeral
        one stays ephemeral), within the token's 15 minutes."""
        payload: dict[str, Any] = {
            "content": content,
            "allowed_mentions": NO_MENTIONS,
            "attachments": [],
            "components": list(components),
        }
        return self._request(
            "PATCH", f"/webhooks/{application_id}/{token}/messages/@original", payload, files, False
        )

    def create_followup(
        self,
        application_id: str,
        token: str,
        content: str,
        *,
        files: Sequence[Upload] = (),
        components: Sequence[dict[str, Any]] = (),
        ephemeral: bool = True,
    ) -> dict[str, Any]:
        """POST /webhooks/{app}/{token}: one more message answering an interaction (flags 64: ephemeral)."""
        payload: dict[str, Any] = {
            "content": content,
            "allowed_mentions": NO_MENTIONS,
            "flags": 64 if ephemeral else 0,
        }
        if components:
            payload["components"] = list(components)
        return self._request("POST", f"/webhooks/{application_id}/{token}", payload, files, False)

    def delete_message(self, channel_id: str, message_id: str) -> None:
        """DELETE /channels/{id}/messages/{id}; an already deleted message is fine."""
        try:
            self._request("DELETE", f"/channels/{channel_id}/messages/{message_id}", None, (), False)
        except DiscordError as exc:
            if exc.code != UNKNOWN_MESSAGE and exc.status != 404:
                raise

    def _request(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None,
        files: Sequence[Upload],
        best_effort: bool,
    ) -> dict[str, Any]:
        key = route_key(method, path)
        attempts = 1 if best_effort else ESSENTIAL_ATTEMPTS
        for attempt in range(attempts):
            self._wait_for_bucket(key, best_effort)
            try:
                response = self.http.request(method, path, **_body(payload, files))
            except httpx.HTTPError as exc:
                telemetry.record(method, path, None)
                if attempt + 1 == attempts:
                    raise DiscordError(None, f"{type(exc).__name__}: {exc}") from exc
                self.sleep(backoff(attempt, SERVER_ERROR_BACKOFF, jitter=False))
                continue
            telemetry.record(method, path, response.status_code)
            self._remember_bucket(key, response)
            if response.status_code == 429:
                retry_after = _retry_after(response)
                log.info("discord %s %s rate limited for %.2f s", method, key, retry_after)
                if best_effort:
                    raise RateLimited(retry_after)
                if retry_after > MAX_RATE_LIMIT_WAIT or attempt + 1 == attempts:
                    raise DiscordError(429, f"rate limited for {retry_after:.1f} s")
                continue  # the next attempt waits for the bucket remembered above
            if response.status_code >= 500 and attempt + 1 < attempts:
                self.sleep(backoff(attempt, SERVER_ERROR_BACKOFF, jitter=False))
                continue
            if response.status_code >= 400:
                raise _error(response)
            if response.status_code == 204 or not response.content:
                return {}
            body: dict[str, Any] = response.json()
            return body
        raise AssertionError("unreachable")

    def _wait_for_bucket(self, key: str, best_effort: bool) -> None:
        wait = max(self._bucket_reset.get(key, 0.0), self._bucket_reset.get(GLOBAL, 0.0)) - self.clock()
        if wait <= 0:
            return
        if best_effort:
            raise RateLimited(wait)
        self.sleep(min(wait, MAX_RATE_LIMIT_WAIT))

    def _remember_bucket(self, key: str, response: httpx.Response) -> None:
        headers = response.headers
        now = self.clock()
        if response.status_code == 429 and headers.get("X-RateLimit-Global", "").lower() == "true":
            self._bucket_reset[GLOBAL] = now + _retry_after(response)
        elif response.status_code == 429:  # Retry-After, else the body's retry_after: never retry at once
            after = headers.get("X-RateLimit-Reset-After")
            self._bucket_reset[key] = now + (_seconds(after) if after else _retry_after(response))
        elif headers.get("X-RateLimit-Remaining") == "0":
            after = headers.get("X-RateLimit-Reset-After") or headers.get("Retry-After")
            if after:
                self._bucket_reset[key] = now + _seconds(after)
        else:
            self._bucket_reset.pop(key, None)


GLOBAL = "global"

_MESSAGE_ID = re.compile(r"(/messages/)\d+")
_WEBHOOK_TOKEN = re.compile(r"(/webhooks/\d+/)[^/]+")


def route_key(method: str, path: str) -> str:
    """Discord's bucket granularity: the route with its major parameter (the channel) kept; an
    interaction's token is left out (the key is logged)."""
    return method + " " + _WEBHOOK_TOKEN.sub(r"\1{token}", _MESSAGE_ID.sub(r"\1{id}", path))


def _body(payload: dict[str, Any] | None, files: Sequence[Upload]) -> dict[str, Any]:
    if payload is None:
        return {}
    if not files:
        return {"json": payload}
    payload = dict(payload)
    payload["attachments"] = [
        {"id": i, "filename": f.filename, **({"description": f.description} if f.description else {})}
        for i, f in enumerate(files)
    ]
    return {
        "data": {"payload_json": json.dumps(payload)},
        "files": [(f"files[{i}]", (f.filename, f.data, f.content_type)) for i, f in enumerate(files)],
    }


def _seconds(value: str) -> float:
    try:
        return max(0.0, float(value))
    except ValueError:
        return 1.0


def _retry_after(response: httpx.Response) -> float:
    header = response.headers.get("Retry-After")
    if header:
        return _seconds(header)
    try:
        return max(0.0, float(response.json().get("retry_after", 1.0)))
    except (ValueError, AttributeError):
        return 1.0


def _error(response: httpx.Response) -> DiscordError:
    code, message = None, response.text[:200]
    try:
        body = response.json()
        code, message = body.get("code"), str(body.get("message", message))
    except (ValueError, AttributeError):
        pass
    return DiscordError(response.status_code, message, code)
