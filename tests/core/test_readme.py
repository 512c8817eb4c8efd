"""The README says what a newcomer needs in the first hour, and says it truly."""

from __future__ import annotations

import re

from tests.support.processes import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The text of the `## title` section (up to the next `## `)."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, flags=re.M | re.S)
    assert match, f"no section {title!r} in the README"
    return match.group(1)


def test_the_by_hand_recipe_warns_that_a_shared_redis_shares_the_queue() -> None:
    quickstart = " ".join(section("Quickstart").split())
    assert "On a shared Redis, use a queue of your own." in quickstart
    assert "export MATHBOT_QUEUE=mathbot-$USER" in quickstart
    assert "takes and answers other people's questions" in quickstart
