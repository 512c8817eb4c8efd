"""Markdown + LaTeX → Slack mrkdwn, Discord markdown or console text, with math never eaten by markup.

Choices, per flavor:

- Inline math becomes Unicode in the running text. Slack cannot escape ``_``, so a formula whose
  text has one (``x_(b)``) goes in a code span there; Discord gets backslash escapes.
- Display math on one line stands on its own line; display math over several lines (align, cases,
  matrices) goes in a code block on Slack and Discord, where columns line up, and is indented
  four spaces in the console.
- ``\\boxed{x}`` is bold (``*x*`` / ``**x**``), or ``[x]`` inside code.
- Slack: ``**b**`` → ``*b*``, ``*i*`` → ``_i_``, headings → bold lines, ``-`` bullets → ``•``,
  ``&<>`` escaped, stray ``*``/``~`` become ``∗``/``∼``. Discord keeps Markdown, escapes stray
  ``* _ ~ | ` \\``, and turns ``__b__`` (underline there) into ``**b**``. Console keeps the
  Markdown as written and only converts the LaTeX.
- A line that starts with math (``$$- x = 3$$``, ``\\# of ways``) never becomes a Discord heading,
  list or quote (a backslash goes before the marker) nor a Slack quote (a zero-width space first).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from mathbot.tex import group_end

from . import latex
from .flavor import (
    Flavor,
    code_block,
    defuse_line_start,
    escape_plain,
    inline_code,
    math_line,
    render_display_math,
    render_inline_math,
    slack_entities,
)
from .safety import neutralize_mentions
from .segment import Segment, segments

_INLINE_BASE = 0xF0000
_BLOCK_BASE = 0x100000
_B_OPEN, _B_CLOSE, _I_OPEN, _I_CLOSE, _S_OPEN, _S_CLOSE = (chr(0xE001 + i) for i in range(6))
_MARKERS = {
    "slack": {_B_OPEN: "*", _B_CLOSE: "*", _I_OPEN: "_", _I_CLOSE: "_", _S_OPEN: "~", _S_CLOSE: "~"},
    "discord": {_B_OPEN: "**", _B_CLOSE: "**", _I_OPEN: "*", _I_CLOSE: "*", _S_OPEN: "~~", _S_CLOSE: "~~"},
}
_PRIVATE = re.compile("[\U000f0000-\U0010ffff\ue001-\ue006\x00-\x03]")
_RULE = "──────────"
_BLOCK_KINDS = {"display", "diagram", "codeblock", "textenv"}
DIAGRAM = "[diagram]"
"""What an Asymptote or TikZ picture becomes in text."""


# ----- prose --------------------------------------------------------------------------------------
class _Store:
    """Rendered pieces that stand in the prose as single private-use characters until the end."""

    def __init__(self) -> None:
        self.inline: list[str] = []
        self.blocks: list[str] = []

    def add_inline(self, text: str) -> str:
        self.inline.append(text)
        return chr(_INLINE_BASE + len(self.inline) - 1)

    def add_block(self, text: str) -> str:
        self.blocks.append(text)
        return "\n\n" + chr(_BLOCK_BASE + len(self.blocks) - 1) + "\n\n"

    def fill(self, text: str) -> str:
        def inline(match: re.Match[str]) -> str:
            return self.inline[ord(match.group(0)) - _INLINE_BASE]

        for _ in range(3):  # pieces can hold pieces (a link label with math)
            text = re.sub("[\U000f0000-\U000fffff]", inline, text)
        return text


_PROSE_DROP = re.compile(
    r"\\(noindent|par|medskip|bigskip|smallskip|newpage|centering|hfill|vfill|"
    r"maketitle|qquad|quad|indent|displaystyle|clearpage)\b\s*"
)
_PROSE_STYLE = {
    "textbf": "**",
    "textit": "*",
    "emph": "*",
    "underline": "",
    "textrm": "",
    "text": "",
    "textsf": "",
    "textnormal": "",
    "mbox": "",
    "texttt": "`",
    "section": "\n## ",
    "section*": "\n## ",
    "subsection": "\n### ",
    "subsection*": "\n### ",
}
_BARE = re.compile(r"\\([A-Za-z]+\*?)")


def _prose_latex(text: str, flavor: Flavor, store: _Store) -> str:
    """LaTeX written outside math in the prose: text styles to Markdown, anything else to Unicode."""
    text = _PROSE_DROP.sub(" ", text)
    text = text.replace("``", "“").replace("''", "”")  # TeX quotes; a real code span never gets here
    text = re.sub(r"\\\\(\[[^\]]*\])?[ \t]*", "\n", text)
    text = re.sub(r"(?m)^[ \t]*\\item\b\s*", "- ", text)
    out: list[str] = []
    i = 0
    while True:
        match = _BARE.search(text, i)
        if not match:
            out.append(text[i:])
            break
        name = match.group(1)
        start, end = match.start(), match.end()
        if name in _PROSE_STYLE and text[end : end + 1] == "{":
            close = group_end(text, end)
            if close > 0:
                out.append(text[i:start])
                inner = _prose_latex(text[end + 1 : close - 1], flavor, store)
                mark = _PROSE_STYLE[name]
                if mark.startswith("\n"):
                    out.append(f"{mark}{inner.strip()}\n")
                elif mark == "`":
                    out.append(store.add_inline(inline_code(inner, flavor)))
                else:
                    out.append(f"{mark}{inner}{mark}")
                i = close
                continue
        # a bare command: take its arguments and scripts, and a "base^" just before it
        while end < len(text) and text[end] in "{[":
            close = group_end(text, end) if text[end] == "{" else text.find("]", end) + 1
            if close <= 0:
                break
            end = close
        while end < len(text) and text[end] in "^_":
            nxt = text[end + 1 : end + 2]
            if nxt == "{":
                close = group_end(text, end + 1)
                if close < 0:
                    break
                end = close
            elif nxt.isalnum():
                end += 2
            elif nxt == "\\":
                more = _BARE.match(text, end + 1)
                if not more:
                    break
                end = more.end()
            else:
                break
        before = text[i:start]
        base = re.search(r"[\w.)]*[\^_]$", before)
        if base:
            start -= len(base.group(0))
            before = before[: len(before) - len(base.group(0))]
        out.append(before)
        out.append(store.add_inline(render_inline_math(text[start:end], flavor)))
        i = end
    return "".join(out)


_URL = re.compile(r"https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"]")
_LINK = re.compile(r"\[([^[\]\n]+)\]\((https?://[^)\s]+)\)")
_ADDRESS = re.compile(
    r"[a-z][a-z0-9+.-]*://|\bwww\.|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b", re.IGNORECASE
)
"""A link label that reads as an address (a scheme, `www.`, a domain name): masked, such a link would show
one site and open another, so it is shown as its real target instead."""
# The body of a span never runs over its own delimiter ("**a **b" fails at the second "**"), which
# keeps matching linear: with ".+?" a long line of unpaired markers took seconds (quadratic).
_EMPHASIS = [
    (
        re.compile(r"(?<![\\*\w])\*\*\*(?=\S)((?:[^*]|\*(?!\*))+?)(?<=\S)\*\*\*(?![*\w])"),
        _B_OPEN + _I_OPEN,
        _I_CLOSE + _B_CLOSE,
    ),
    (re.compile(r"\*\*(?=\S)((?:[^*]|\*(?!\*))+?)(?<=\S)\*\*"), _B_OPEN, _B_CLOSE),
    (re.compile(r"(?<![\w_])__(?=\S)((?:[^_]|_(?!_))+?)(?<=\S)__(?![\w_])"), _B_OPEN, _B_CLOSE),
    (re.compile(r"(?<![\w*])\*(?=[^\s*])([^*]+?)(?<=[^\s*])\*(?![\w*])"), _I_OPEN, _I_CLOSE),
    (re.compile(r"(?<![\w_])_(?=[^\s_])([^_]+?)(?<=[^\s_])_(?![\w_])"), _I_OPEN, _I_CLOSE),
    (re.compile(r"~~(?=\S)((?:[^~]|~(?!~))+?)(?<=\S)~~"), _S_OPEN, _S_CLOSE),
]


def _wrap_with(open_: str, close: str) -> Callable[[re.Match[str]], str]:
    return lambda match: open_ + match.group(1) + close


def _inline_markdown(line: str, flavor: Flavor, store: _Store) -> str:
    """Links, escapes and emphasis of one prose line; literal text escaped for the flavor."""
    if flavor == "console":
        return re.sub(r"\\([$%&#_{}])", r"\1", line)

    def bare(url: str) -> str:
        return store.add_inline(slack_entities(url) if flavor == "slack" else url)

    def link(match: re.Match[str]) -> str:
        label, url = match.group(1), match.group(2)
        if _ADDRESS.search(label):  # it would show one address and open another: show where it goes
            return bare(url)
        label_text = _inline_markdown(label, flavor, store)
        if flavor == "slack":
            return store.add_inline(f"<{url}|{label_text.replace('|', '∣')}>")
        return store.add_inline(f"[{label_text}]({url})")

    line = _LINK.sub(link, line)
    line = _URL.sub(lambda m: bare(m.group(0)), line)
    line = re.sub(r"\\([!-/:-@\[-`{-~])", lambda m: store.add_inline(escape_plain(m.group(1), flavor)), line)
    for pattern, open_, close in _EMPHASIS:
        line = pattern.sub(_wrap_with(open_, close), line)
    line = escape_plain(line, flavor)
    for marker, syntax in _MARKERS[flavor].items():
        line = line.replace(marker, syntax)
    return line


_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)([-*+])\s+(.*)$")
_NUMBERED = re.compile(r"^(\s*\d{1,3}[.)])\s+(.*)$")
_QUOTE = re.compile(r"^(\s*(?:>\s?)+)(.*)$")
_HR = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")


def _prose_line(line: str, flavor: Flavor, store: _Store) -> str:
    if flavor == "console":
        return _inline_markdown(line, flavor, store)
    if _HR.match(line):
        return _RULE
    heading = _HEADING.match(line)
    if heading:
        level, inner = len(heading.group(1)), heading.group(2)
        inner = re.sub(r"^\*\*(.*)\*\*$", r"\1", inner.strip())
        body = _inline_markdown(inner, flavor, store)
        if flavor == "slack":
            return f"*{body.replace('*', '')}*" if body else ""
        return f"{'#' * level} {body}" if level <= 3 else f"**{body}**"
    bullet = _BULLET.match(line)
    if bullet:
        indent, rest = bullet.group(1), bullet.group(3)
        mark = "•" if flavor == "slack" else "-"
        return f"{indent}{mark} {_inline_markdown(rest, flavor, store)}"
    numbered = _NUMBERED.match(line)
    if numbered:
        return f"{numbered.group(1)} {_inline_markdown(numbered.group(2), flavor, store)}"
    quote = _QUOTE.match(line)
    if quote:
        prefix = quote.group(1).replace(" ", "")
        return f"{'>' * prefix.count('>')} {_inline_markdown(quote.group(2), flavor, store)}"
    return _inline_markdown(line, flavor, store)


def _block_for(seg: Segment, flavor: Flavor, store: _Store) -> str:
    if seg.kind == "display":
        return store.add_block(render_display_math(seg.source, flavor))
    if seg.kind == "diagram":
        return store.add_block(DIAGRAM)
    if seg.kind == "codeblock":
        if flavor == "console":
            return store.add_block(seg.raw.rstrip("\n"))
        lang = re.match(r"\s*[`~]+\s*([\w+-]*)", seg.raw)
        return store.add_block(code_block(seg.source, flavor, lang.group(1) if lang else ""))
    # a tabular or a list written in LaTeX
    text = latex.latex_text_to_text(seg.raw)
    if text.lstrip().startswith("•"):
        lines = [math_line(line, flavor) if flavor != "console" else line for line in text.split("\n")]
        return store.add_block("\n".join(lines))
    return store.add_block(code_block(text, flavor) if "\n" in text else math_line(text, flavor))


_MATH_FIRST = re.compile(r"\s*([\U000f0000-\U000fffff]|\\[#>*+-])")
"""A prose line that starts with inline math or an escaped markup character."""


def to_text(markdown: str, flavor: Flavor) -> str:
    """The whole solution (Markdown + LaTeX) as readable text for ``flavor``."""
    markdown = _PRIVATE.sub("", markdown.replace("\r\n", "\n").replace("\r", "\n"))
    store = _Store()
    parts: list[str] = []
    previous = "text"
    for seg in segments(markdown):
        if seg.kind == "text":
            source = seg.source
            if previous in _BLOCK_KINDS:  # "\]Thus" and "\] Thus" both start a new line cleanly
                source = source.lstrip(" \t")
            parts.append(_prose_latex(source, flavor, store))
        elif seg.kind == "inline":
            parts.append(store.add_inline(render_inline_math(seg.source, flavor)))
        elif seg.kind == "code":
            parts.append(
                store.add_inline(inline_code(seg.source, flavor) if flavor != "discord" else seg.raw)
            )
        else:
            if parts:
                parts[-1] = parts[-1].rstrip(" \t")
            parts.append(_block_for(seg, flavor, store))
        previous = seg.kind
    lines_out: list[str] = []
    for line in "".join(parts).split("\n"):
        stripped = line.strip()
        if len(stripped) == 1 and ord(stripped) >= _BLOCK_BASE:
            block = store.blocks[ord(stripped) - _BLOCK_BASE]
            if block:
                lines_out.append(store.fill(block))
            continue
        filled = store.fill(_prose_line(line.rstrip(), flavor, store))
        if _MATH_FIRST.match(line):
            filled = defuse_line_start(filled, flavor)
        lines_out.append(filled)
    text = "\n".join(lines_out)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
    if flavor != "console":
        text = neutralize_mentions(text, flavor)
    return text
