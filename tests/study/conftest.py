"""Study fixtures: the fake Slack and the fake Discord (the same fixtures as tests/slack and tests/discord,
so one test folder holds both platforms' study tests), and the settings every study test shares."""

from __future__ import annotations

from tests.discord.conftest import bot, discord_fake  # noqa: F401  (fixtures, used by name)
from tests.fakes.slack import FakeSlack
from tests.slack.conftest import fake_slack, slack_app, slack_vars  # noqa: F401
from tests.support.data import DATA_DIR

STUDY_VARS = {
    "MATHBOT_PROBLEM_BANK": str(DATA_DIR),
    "MATHBOT_SEED": "11",
    "MATHBOT_SLACK_EDITS_PER_MINUTE": "600",
}
"""Every study test: the shared sets as the problem bank, reproducible samples, no edit budget in the way."""


def study_slack_vars(fake: FakeSlack) -> dict[str, str]:
    return {**slack_vars(fake), **STUDY_VARS}
