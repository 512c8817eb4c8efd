"""Slack Web API clients built from settings: base URL from SLACK_API_URL, bounded timeouts, 429 handling."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.config import SlackConfig
from mathbot.settings import Settings


def _base_url(settings: Settings) -> str:
    url = settings.slack_api_url
    return url if url.endswith("/") else url + "/"


def _token(settings: Settings) -> str | None:
    return settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None


def web_client(settings: Settings, config: SlackConfig, *, wait_on_429: bool = True) -> WebClient:
    """A sync client for the worker. `wait_on_429=False` makes 429s raise at once (progress edits
    are skipped rather than delayed; the final answer's client waits out Retry-After)."""
    handlers: list[RetryHandler] = [ConnectionErrorRetryHandler()]
    if wait_on_429:
        handlers.append(RateLimitErrorRetryHandler(max_retry_count=config.rate_limit_retries))
    return WebClient(
        token=_token(settings),
        base_url=_base_url(settings),
        timeout=config.http_timeout,
        retry_handlers=handlers,
    )


def async_web_client(settings: Settings, config: SlackConfig) -> AsyncWebClient:
    """The adapter's client (also Bolt's): waits out a 429 a few times, retries dropped connections."""
    return AsyncWebClient(
        token=_token(settings),
        base_url=_base_url(settings),
        timeout=config.http_timeout,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=config.rate_limit_retries),
        ],
    )
