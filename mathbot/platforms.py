"""The platform registry: every chat mathbot speaks, and where its adapter lives.

Adding a platform is one folder, `bots/<name>/`, and one row here. The folder holds `reply.py` with
`make_reply(target, settings) -> Reply` (how a worker posts there) and `texts.py` with `STYLE`
(how shared words are decorated there, a `mathbot.present.Style`); the rest of the folder is the
adapter that turns the platform's events into questions (see CONTRIBUTING.md).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mathbot.jobs import ReplyTarget
    from mathbot.present import Style
    from mathbot.reply import Reply
    from mathbot.settings import Settings


@dataclass(frozen=True)
class Platform:
    name: str
    package: str
    """The adapter's package (imported lazily: a worker loads only the platforms it answers)."""
    chat: bool = True
    """A chat with channels and users: per-user and per-channel limits apply (not the console)."""

    def reply_module(self) -> object:
        return importlib.import_module(f"{self.package}.reply")

    def style(self) -> Style:
        style: Style = importlib.import_module(f"{self.package}.texts").STYLE
        return style


PLATFORMS: dict[str, Platform] = {
    platform.name: platform
    for platform in (
        Platform("console", "bots.console", chat=False),
        Platform("eval", "bots.eval", chat=False),
        Platform("slack", "bots.slack"),
        Platform("discord", "bots.discord"),
    )
}


def get(name: str) -> Platform:
    """The registered platform `name`; `KeyError` for one that is not registered."""
    return PLATFORMS[name]


def reply_for(target: ReplyTarget, settings: Settings) -> Reply:
    """The Reply for a target's platform."""
    reply: Reply = get(target.platform).reply_module().make_reply(target, settings)  # type: ignore[attr-defined]
    return reply


def preload() -> None:
    """Import every platform's Reply (before a worker forks its work horses: they start warm)."""
    for platform in PLATFORMS.values():
        platform.reply_module()
