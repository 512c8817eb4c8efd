"""Kept for one round so that branches written before the move still import: the fake Slack now lives
in `tests.fakes.slack`. The lead removes this file after merging."""

from tests.fakes.slack import *  # noqa: F403
from tests.fakes.slack import __all__  # noqa: F401
