"""Discord-only knobs (MATHBOT_DISCORD_*), read beside the core settings until they join them."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class DiscordConfig(BaseSettings):
    """`MATHBOT_DISCORD_GUILDS` and `MATHBOT_DISCORD_MESSAGE_CONTENT`, from the environment or `.env`."""

    model_config = SettingsConfigDict(env_prefix="MATHBOT_DISCORD_", env_file=".env", extra="ignore")

    guilds: Annotated[list[int], NoDecode] = []
    """Guild (server) ids that also get /solve registered per guild: instant, unlike global commands."""
    message_content: bool = True
    """Request the privileged Message Content intent (thread follow-ups without a mention need it)."""

    @field_validator("guilds", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part for part in value.replace(";", ",").replace(" ", ",").split(",") if part]
        return value
