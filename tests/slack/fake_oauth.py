"""Kept for one round so that branches written before the move still import: the fake Slack's OAuth
side now lives in `tests.fakes.slack.oauth`. The lead removes this file after merging."""

from tests.fakes.slack.oauth import *  # noqa: F403
from tests.fakes.slack.oauth import __all__  # noqa: F401
