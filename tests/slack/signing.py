"""Kept for one round so that branches written before the move still import: Slack's request signing
now lives in `tests.fakes.slack.signing`. The lead removes this file after merging."""

from tests.fakes.slack.signing import *  # noqa: F403
from tests.fakes.slack.signing import __all__  # noqa: F401
