"""Kept for one round so that branches written before the move still import: the fake Discord now lives
in `tests.fakes.discord`. The lead removes this file after merging."""

from tests.fakes.discord import *  # noqa: F403
from tests.fakes.discord import __all__  # noqa: F401
