"""Platform text pieces, per flavor: plain text escaped, one formula as a line, code as a block."""

from __future__ import annotations

import re
from typing import Literal

from . import latex
from .safety import ZWSP

Flavor = Literal["slack", "discord", "console"]
"""Which platform's text: Slack mrkdwn, Discord markdown, or plain console text."""


# ----- escaping -----------------------------------------------------------------------------------
def escape_plain(text: str, flavor: Flavor) -> str:
    """Make plain text display literally on the platform (no formatting, no control sequences)."""
    if flavor == "slack":
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return text.replace("*", "∗").replace("~", "∼")
    if flavor == "discord":
        return re.sub(r"([\\*_~|`])", r"\\\1", text)
    return text


def slack_entities(text: str) -> str:
    """``&``, ``<`` and ``>`` as Slack wants them escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def boxed(text: str, open_: str, close: str) -> str:
    """The ``\\boxed`` markers of converted math replaced by ``open_`` and ``close``."""
    return text.replace(latex.BOX_OPEN, open_).replace(latex.BOX_CLOSE, close)


# ----- math ---------------------------------------------------------------------------------------
def render_inline_math(source: str, flavor: Flavor) -> str:
    """One inline formula, ready to drop into that platform's text."""
    text = latex.math_to_text(source)
    return math_line(text, flavor)


def math_line(text: str, flavor: Flavor) -> str:
    """Converted math as one line of that platform's text."""
    if not text:
        return ""
    if flavor == "slack":
        if "_" in text or "`" in text:
            return "`" + slack_entities(boxed(text, "[", "]")).replace("`", "'") + "`"
        return boxed(escape_plain(text, "slack"), "*", "*")
    if flavor == "discord":
        return boxed(escape_plain(text, "discord"), "**", "**")
    return boxed(text, "**", "**")


_DISCORD_LINE_MARKUP = re.compile(r"^(\s*)(#{1,3}(?=\s)|-#(?=\s)|[-*](?=\s)|>(?=\s|>>\s)|\d+(?=[.)]\s))")


def defuse_line_start(line: str, flavor: Flavor) -> str:
    """A line that starts with math must not start a heading, list or quote: ``$$- x = 3$$`` on
    Discord would be a bullet, ``\\# of ways`` a heading; on Slack a leading ``&gt;`` is a quote."""
    if flavor == "discord":
        match = _DISCORD_LINE_MARKUP.match(line)
        if match:
            indent, mark = match.group(1), match.group(2)
            rest = line[match.end() :]
            if mark[0].isdigit():
                return f"{indent}{mark}\\{rest}"  # 1\. not a numbered list
            return f"{indent}\\{mark}{rest}"
    elif flavor == "slack" and line.lstrip().startswith("&gt;"):
        return ZWSP + line
    return line


def code_block(text: str, flavor: Flavor, lang: str = "") -> str:
    """Text shown verbatim in monospace: a fenced block, or indented in the console."""
    if flavor == "slack":
        return "```\n" + slack_entities(text) + "\n```"
    if flavor == "discord":
        return f"```{lang}\n" + text.replace("```", "`\u200b``") + "\n```"
    return "\n".join("    " + line if line else "" for line in text.split("\n"))


def render_display_math(source: str, flavor: Flavor) -> str:
    """One display formula as its own line(s) of platform text."""
    text = latex.math_to_text(source, display=True)
    if not text.strip():
        return ""
    if "\n" in text:
        return code_block(boxed(text, "[", "]"), flavor)
    line = math_line(text.strip(), flavor)
    return "    " + line if flavor == "console" else defuse_line_start(line, flavor)


def inline_code(code: str, flavor: Flavor) -> str:
    """A code span."""
    if flavor == "slack":
        return "`" + slack_entities(code) + "`"
    return "`" + code + "`"
