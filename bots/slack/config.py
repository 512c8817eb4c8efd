"""The Slack knobs of the one settings object (MATHBOT_SLACK_*), grouped for the Slack modules."""

from __future__ import annotations

from dataclasses import dataclass

from mathbot.settings import Settings


@dataclass(frozen=True)
class SlackConfig:
    """A view of `Settings.slack_*` (documented in mathbot/defaults.py and the README)."""

    edits_per_minute: int
    max_images: int
    keep_seconds: int
    http_timeout: int
    rate_limit_retries: int
    vote_samples: int = 0
    """Samples asked for by "Check with N samples" (MATHBOT_VOTE_SAMPLES); 0 shows no such button."""

    @classmethod
    def from_settings(cls, settings: Settings) -> SlackConfig:
        return cls(
            edits_per_minute=settings.slack_edits_per_minute,
            max_images=settings.slack_max_images,
            keep_seconds=settings.slack_keep_seconds,
            http_timeout=settings.slack_http_timeout,
            rate_limit_retries=settings.slack_rate_limit_retries,
            vote_samples=settings.vote_samples,
        )
