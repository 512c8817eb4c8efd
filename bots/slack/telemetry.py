"""Slack Web API calls counted for the metrics: a retry handler that sees every response and retries none.

slack_sdk asks each client's retry handlers about every response (and every failed attempt) in turn;
placed first, `CountCalls` records the call and lets the real handlers (429s, dropped connections)
decide. Bolt copies its client's handlers into the per-workspace clients of "Add to Slack" mode.
"""

from __future__ import annotations

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from mathbot import metrics

UNLIMITED = 1 << 30
"""The handlers' attempt cap: counting must not stop after a few retries."""


def method_of(url: str) -> str:
    """The Web API method of a request URL (`https://slack.com/api/chat.update` → `chat.update`)."""
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or "unknown"


def record(request: HttpRequest, response: HttpResponse | None) -> None:
    metrics.chat_call("slack", method_of(request.url), response.status_code if response else None)


class CountCalls(RetryHandler):
    """For the worker's sync clients."""

    def __init__(self) -> None:
        super().__init__(max_retry_count=UNLIMITED)

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        record(request, response)
        return False


class AsyncCountCalls(AsyncRetryHandler):
    """For the adapter's async clients (Bolt's)."""

    def __init__(self) -> None:
        super().__init__(max_retry_count=UNLIMITED)

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        record(request, response)
        return False
