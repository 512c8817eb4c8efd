"""The fake Slack: its Web API and Socket Mode server (`web_api`), the OAuth install flow for many
workspaces (`oauth`), and requests signed as Slack signs them (`signing`); import the last two as
modules (`from tests.fakes.slack import signing`)."""

from tests.fakes.slack.web_api import (
    APP_TOKEN,
    BLOCK_LIMIT,
    BOT_ID,
    BOT_TOKEN,
    BOT_USER,
    HEADER_LIMIT,
    JSON_FIELDS,
    LIMIT_ERRORS,
    SECTION_LIMIT,
    TEAM,
    TEXT_LIMIT,
    USERS,
    Call,
    FakeSlack,
)

__all__ = [
    "APP_TOKEN",
    "BLOCK_LIMIT",
    "BOT_ID",
    "BOT_TOKEN",
    "BOT_USER",
    "HEADER_LIMIT",
    "JSON_FIELDS",
    "LIMIT_ERRORS",
    "SECTION_LIMIT",
    "TEAM",
    "TEXT_LIMIT",
    "USERS",
    "Call",
    "FakeSlack",
]
