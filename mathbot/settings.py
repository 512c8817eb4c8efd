"""The one settings object: the external contract's environment variables and MATHBOT_* knobs."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from mathbot import defaults

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
"""What MATHBOT_LOG_LEVEL and `--log-level` accept (any case)."""


class Settings(BaseSettings):
    """Built once per process from the environment (and `.env`), then passed down.

    Secrets are `SecretStr`: they print as `**********` in reprs, logs and errors.
    """

    model_config = SettingsConfigDict(
        env_prefix="MATHBOT_", env_file=".env", extra="ignore", populate_by_name=True
    )

    # The external contract (unprefixed names, see ARCHITECTURE.md).
    redis_url: str = Field("redis://localhost:6379/0", validation_alias="REDIS_URL")
    tgi_url: str = Field("http://localhost:8080", validation_alias="TGI_URL")
    tgi_api_key: SecretStr | None = Field(None, validation_alias="TGI_API_KEY")
    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("https://slack.com/api/", validation_alias="SLACK_API_URL")
    slack_client_id: str | None = Field(None, validation_alias="SLACK_CLIENT_ID")
    """Set (with SLACK_CLIENT_SECRET) for the OAuth install flow: one deployment, many workspaces."""
    slack_client_secret: SecretStr | None = Field(None, validation_alias="SLACK_CLIENT_SECRET")
    discord_bot_token: SecretStr | None = Field(None, validation_alias="DISCORD_BOT_TOKEN")
    discord_api_url: str = Field("https://discord.com/api/v10", validation_alias="DISCORD_API_URL")
    discord_gateway_url: str | None = Field(None, validation_alias="DISCORD_GATEWAY_URL")
    port: int = Field(3000, validation_alias="PORT")

    # MATHBOT_* knobs (the field name, upper-cased, after the prefix).
    model: str = "FractalAIResearch/Fathom-R1-14B"
    """Model name sent in chat requests (TGI ignores it; vLLM and others need it)."""
    queue: str = defaults.QUEUE_NAME
    max_total_tokens: int = Field(defaults.MAX_TOTAL_TOKENS, gt=0)
    min_answer_tokens: int = Field(defaults.MIN_ANSWER_TOKENS, gt=0)
    temperature: float = Field(defaults.TEMPERATURE, gt=0)
    top_p: float = Field(defaults.TOP_P, gt=0, lt=1)
    seed: int | None = None
    """A fixed sampling seed; unset means a fresh random seed per request (logged with the job)."""
    job_timeout: int = Field(defaults.JOB_TIMEOUT, gt=0)
    http_timeout: float = Field(defaults.HTTP_TIMEOUT, gt=0)
    server_retries: int = Field(defaults.SERVER_RETRIES, ge=0)
    retry_backoff: float = Field(defaults.RETRY_BACKOFF, ge=0)
    progress_interval: float = Field(defaults.PROGRESS_INTERVAL, ge=0)
    result_ttl: int = defaults.RESULT_TTL
    failure_ttl: int = defaults.FAILURE_TTL
    workers: int = Field(1, ge=1)
    """Worker processes started by `mathbot worker` (one generation in flight each)."""
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = defaults.LOG_FORMAT
    """Log lines as text, or as one JSON object a line (time, level, logger, message, question id)."""
    metrics_port: int = Field(defaults.METRICS_PORT, ge=0, le=65535)
    """Port of GET /metrics and GET /health for `mathbot worker` and `mathbot discord` (0: not served)."""
    max_queue: int = Field(defaults.MAX_QUEUE, gt=0)
    user_in_flight: int = Field(defaults.USER_IN_FLIGHT, gt=0)
    user_per_hour: int = Field(defaults.USER_PER_HOUR, gt=0)
    channel_in_flight: int = Field(defaults.CHANNEL_IN_FLIGHT, gt=0)
    channel_per_hour: int = Field(defaults.CHANNEL_PER_HOUR, gt=0)
    slack_edits_per_minute: int = Field(defaults.SLACK_EDITS_PER_MINUTE, ge=1)
    slack_max_images: int = Field(defaults.SLACK_MAX_IMAGES, ge=0, le=10)
    slack_keep_seconds: int = Field(defaults.SLACK_KEEP_SECONDS, gt=0)
    slack_http_timeout: int = Field(defaults.SLACK_HTTP_TIMEOUT, gt=0)
    slack_rate_limit_retries: int = Field(defaults.SLACK_RATE_LIMIT_RETRIES, ge=0)
    slack_redirect_url: str | None = None
    """Public URL of `mathbot slack`'s /slack/oauth_redirect, sent in the install flow; unset: the one
    redirect URL configured in the Slack app."""
    rescue_reserve: int = Field(defaults.RESCUE_RESERVE, ge=0)
    """Tokens kept back for budget forcing (0: off, an answer that runs out of room is truncated)."""
    vote_samples: int = Field(defaults.VOTE_SAMPLES, ge=2, le=defaults.SAMPLES_LIMIT)
    """Samples drawn by the "Check with N samples" buttons."""
    max_samples: int = Field(defaults.MAX_SAMPLES, ge=1, le=defaults.SAMPLES_LIMIT)
    """Most samples one question may ask for (`mathbot ask --samples`, Discord's `samples` option)."""
    vote_early_stop: bool = defaults.VOTE_EARLY_STOP
    """Stop a vote's unfinished samples once they cannot change its answer; off: every sample is drawn."""
    data_dir: Path | None = None
    """Folder of the competition problem sets (`<name>.jsonl`) for `mathbot eval NAME`, the demo and the
    simulator; unset: ../shared/data beside the working directory, else the checkout (`mathbot.data`)."""
    eval_concurrency: int = Field(defaults.EVAL_CONCURRENCY, ge=1)
    """Evaluation samples queued or running at once (`mathbot eval`); keep it below the worker count."""
    discord_guilds: Annotated[list[int], NoDecode] = []
    """Discord guild ids that also get /solve registered per guild (instant, unlike global commands)."""
    discord_message_content: bool = defaults.DISCORD_MESSAGE_CONTENT
    allow_eviction: bool = False
    """Run on a Redis whose maxmemory-policy may evict keys (queued questions can vanish); off: refuse."""
    problem_bank: str | None = None
    """Directory of JSONL problem files (`problem`, `answer`, optional `solution`, `source`,
    `difficulty`) for /practice, the problem of the day and /check against official answers."""
    study_channels: Annotated[list[str], NoDecode] = []
    """Channel ids (Slack or Discord) in study mode from the start: answers there hide the answer."""
    practice_deadline: int = Field(defaults.PRACTICE_DEADLINE, gt=0)
    """Seconds a practice problem stays open before its answer is revealed in its thread."""
    submit_cooldown: int = Field(defaults.SUBMIT_COOLDOWN, ge=0)
    """Seconds between two submissions of one person to one practice problem."""

    @field_validator("log_level", mode="before")
    @classmethod
    def _known_level(cls, value: Any) -> Any:
        level = str(value).strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}, not {value!r}")
        return level

    @field_validator("discord_guilds", "study_channels", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part for part in value.replace(";", ",").replace(" ", ",").split(",") if part]
        return value

    @field_validator("data_dir", mode="before")
    @classmethod
    def _unset_if_empty(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _answer_fits(self) -> Settings:
        if self.min_answer_tokens >= self.max_total_tokens:
            raise ValueError(
                f"MATHBOT_MIN_ANSWER_TOKENS ({self.min_answer_tokens}) must be below "
                f"MATHBOT_MAX_TOTAL_TOKENS ({self.max_total_tokens})"
            )
        if self.rescue_reserve >= self.min_answer_tokens:
            raise ValueError(
                f"MATHBOT_RESCUE_RESERVE ({self.rescue_reserve}) must be below MATHBOT_MIN_ANSWER_TOKENS "
                f"({self.min_answer_tokens})"
            )
        if self.vote_samples > self.max_samples:
            raise ValueError(
                f"MATHBOT_VOTE_SAMPLES ({self.vote_samples}) must not exceed MATHBOT_MAX_SAMPLES "
                f"({self.max_samples})"
            )
        return self

    @property
    def slack_configured(self) -> bool:
        """Whether any Slack credential is set (without one, `mathbot slack` is simply not in use)."""
        return bool(
            self.slack_bot_token or self.slack_signing_secret or self.slack_app_token or self.slack_client_id
        )

    @property
    def discord_configured(self) -> bool:
        """Whether DISCORD_BOT_TOKEN is set (without it, `mathbot discord` is simply not in use)."""
        return bool(self.discord_bot_token and self.discord_bot_token.get_secret_value())

    @property
    def inference_urls(self) -> list[str]:
        """The inference servers of `TGI_URL`: one, or several separated by commas (trailing slashes
        dropped, duplicates once). The one place that reads the list."""
        urls = [part.strip().rstrip("/") for part in self.tgi_url.split(",")]
        return list(dict.fromkeys(url for url in urls if url)) or ["http://localhost:8080"]

    def secrets(self) -> list[str]:
        """Every secret value that is set: what the log redactor scrubs."""
        values = (
            self.tgi_api_key,
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.slack_client_secret,
            self.discord_bot_token,
        )
        found = [v.get_secret_value() for v in values if v and v.get_secret_value()]
        urls = [*self.tgi_url.split(","), self.redis_url]
        return found + [password for url in urls if (password := _password(url.strip()))]


def _password(url: str) -> str | None:
    """The password in a URL's `user:password@`, decoded (the URL form itself is scrubbed by pattern)."""
    try:
        parts = urlsplit(url)
        return parts.password and unquote(parts.password)
    except ValueError:
        return None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once (worker jobs have no other way to receive them)."""
    return Settings()
