"""Defuse mentions so model output shown on Slack or Discord can never ping anyone."""

from __future__ import annotations

import re
from typing import Literal

ZWSP = "\u200b"
"""Zero-width space: put after ``@`` it keeps the text readable but stops the ping."""

_BROADCAST = re.compile(r"(?<![\w@])@(everyone|here|channel|all)\b", re.I)
_SLACK_CONTROL = re.compile(r"<([!@#][^<>\n]*)>")
_DISCORD_USER_ROLE = re.compile(r"<@([!&]?)(\d+)>")


def neutralize_mentions(text: str, flavor: Literal["slack", "discord", "console"]) -> str:
    """Make ``@everyone``, ``<!channel>``, ``<@U123>``, ``<@&123>``... display without pinging.

    Slack: ``<!…>``/``<@…>``/``<#…>`` control sequences are escaped to ``&lt;…&gt;``; Discord:
    a zero-width space goes after the ``@``; both: ``@everyone``, ``@here``, ``@channel`` get one too.
    """
    if flavor == "slack":
        text = _SLACK_CONTROL.sub(lambda m: f"&lt;{m.group(1)}&gt;", text)
    elif flavor == "discord":
        text = _DISCORD_USER_ROLE.sub(lambda m: f"<@{ZWSP}{m.group(1)}{m.group(2)}>", text)
    return _BROADCAST.sub(lambda m: f"@{ZWSP}{m.group(1)}", text)
