"""Slack-only knobs (MATHBOT_SLACK_*), read next to the core Settings until the core carries them."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

EDITS_PER_MINUTE = 40
"""Progress edits (chat.update) per workspace per minute, below Tier 3's ~50 so answers always fit."""

MAX_IMAGES = 4
"""Displayed formulas uploaded as PNG images per answer."""

KEEP_SECONDS = 3 * 24 * 3600
"""How long a question and its reasoning stay in Redis for the "Try again" and "Show reasoning" buttons
(~10-15 KB per answer, compressed)."""

HTTP_TIMEOUT = 15
"""Seconds for one Slack Web API call (far below the worker's job timeout)."""

RATE_LIMIT_RETRIES = 3
"""Times a final answer or error waits out Slack's Retry-After on a 429 before giving up."""


class SlackConfig(BaseSettings):
    """The MATHBOT_SLACK_* environment variables (e.g. MATHBOT_SLACK_EDITS_PER_MINUTE=40)."""

    model_config = SettingsConfigDict(env_prefix="MATHBOT_SLACK_", env_file=".env", extra="ignore")

    edits_per_minute: int = Field(EDITS_PER_MINUTE, ge=1)
    max_images: int = Field(MAX_IMAGES, ge=0, le=10)
    keep_seconds: int = Field(KEEP_SECONDS, gt=0)
    http_timeout: int = Field(HTTP_TIMEOUT, gt=0)
    rate_limit_retries: int = Field(RATE_LIMIT_RETRIES, ge=0)
