"""Slack Web API clients built from settings: base URL from SLACK_API_URL, bounded timeouts, 429 handling.

The token is the workspace's: SLACK_BOT_TOKEN in single-workspace mode, or the one its "Add to Slack"
install stored (`installations.bot_token`); the adapter's own client has none in that mode, as Bolt
hands each request a client holding the token of the workspace it came from.
"""

from __future__ import annotations

from urllib.parse import urljoin

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack import telemetry
from bots.slack.config import SlackConfig
from bots.slack.installations import oauth_enabled
from mathbot.settings import Settings


def _base_url(settings: Settings) -> str:
    url = settings.slack_api_url
    return url if url.endswith("/") else url + "/"


def _token(settings: Settings) -> str | None:
    """SLACK_BOT_TOKEN, in single-workspace mode only."""
    if oauth_enabled(settings) or not settings.slack_bot_token:
        return None
    return settings.slack_bot_token.get_secret_value()


def authorize_url(settings: Settings) -> str:
    """Slack's OAuth consent page, on the host of SLACK_API_URL (https://slack.com/oauth/v2/authorize)."""
    base = _base_url(settings)
    host = base[: -len("api/")] if base.endswith("/api/") else urljoin(base, "/")
    return host + "oauth/v2/authorize"


def web_client(
    settings: Settings, config: SlackConfig, *, token: str | None = None, wait_on_429: bool = True
) -> WebClient:
    """A sync client for the worker, with `token` (a workspace's, from `installations.bot_token`; None:
    SLACK_BOT_TOKEN). `wait_on_429=False` makes 429s raise at once (progress edits are skipped rather
    than delayed; the final answer's client waits out Retry-After)."""
    handlers: list[RetryHandler] = [telemetry.CountCalls(), ConnectionErrorRetryHandler()]
    if wait_on_429:
        handlers.append(RateLimitErrorRetryHandler(max_retry_count=config.rate_limit_retries))
    return WebClient(
        token=token or _token(settings),
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
            telemetry.AsyncCountCalls(),
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=config.rate_limit_retries),
        ],
    )
