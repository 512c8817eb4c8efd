"""Split Markdown + LaTeX into prose, code, inline math, display math and diagrams, with markdown-it.

markdown-it-py (CommonMark) finds code spans and fenced code; mdit-py-plugins find the math:
dollarmath (``$...$``, ``$$...$$``), texmath's brackets (``\\(...\\)``, ``\\[...\\]``) and amsmath
(``\\begin{align}`` on its own lines). Tokens carry no character offsets, so each one is found
again in the source, in order; what lies between is prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.texmath import texmath_plugin

from .latex import LIST_ENVS

Kind = Literal["text", "inline", "display", "code", "codeblock", "diagram", "textenv"]

DIAGRAM_ENVS = {"tikzpicture", "asy", "picture", "tikzcd"}
TEXT_ENVS = {"tabular", "tabular*", "tabularx"} | LIST_ENVS

_MD = (
    MarkdownIt("commonmark", {"html": False})
    .disable(["code", "html_block", "html_inline", "reference"])  # indented text is not code here
    .use(dollarmath_plugin, allow_labels=False, allow_space=True, allow_digits=False, double_inline=True)
    .use(texmath_plugin, delimiters="brackets")
    .use(amsmath_plugin)
)
_KIND = {
    "math_inline": "inline",
    "math_inline_double": "display",
    "math_block": "display",
    "math_block_eqno": "display",
    "amsmath": "display",
    "code_inline": "code",
    "fence": "codeblock",
}
_PROSE_BLOCKS = re.compile(
    r"\[asy\].*?(?:\[/asy\]|\Z)|\\begin\{(" + "|".join(map(re.escape, DIAGRAM_ENVS | TEXT_ENVS)) + r")\}.*?\\end\{\1\}",
    re.S,
)


@dataclass(frozen=True)
class Segment:
    """A piece of the document: ``source`` is what's inside the delimiters (math, code),
    ``raw`` the original text."""

    kind: Kind
    source: str
    raw: str


def _leaves(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    for token in tokens:
        if token.type == "inline" and token.children:
            out.extend(child for child in token.children if child.type in _KIND)
        elif token.type in _KIND:
            out.append(token)
    return out


def _pattern(token: Token) -> re.Pattern[str]:
    """The token as it was written: its content with any container prefix (``> ``, indentation)
    allowed back at each line start, between its delimiters."""
    body = r"\n[ \t>]*".join(re.escape(line) for line in token.content.rstrip("\n").split("\n"))
    if token.type == "fence":
        fence = re.escape(token.markup)
        return re.compile(rf"[ \t]*{fence}[^\n]*\n[ \t>]*{body}\s*(?:\n[ \t>]*{fence}[`~]*|\Z)")
    if token.type == "amsmath":
        return re.compile(r"\s*".join(body.split(r"\n[ \t>]*")))
    close = {"\\(": "\\)", "\\[": "\\]"}.get(token.markup, token.markup)
    if token.type == "code_inline":
        body = r"\s*" + body.replace(r"\ ", r"\s") + r"\s*"
    return re.compile(re.escape(token.markup) + r"\s*" + body + r"\s*" + re.escape(close))


def _prose(text: str, out: list[Segment]) -> None:
    """Prose, with the diagrams and text environments markdown-it knows nothing of taken out."""
    pos = 0
    for match in _PROSE_BLOCKS.finditer(text):
        if match.start() > pos:
            out.append(Segment("text", text[pos : match.start()], text[pos : match.start()]))
        name = match.group(1)
        kind: Kind = "textenv" if name in TEXT_ENVS else "diagram"
        out.append(Segment(kind, match.group(0), match.group(0)))
        pos = match.end()
    if pos < len(text):
        out.append(Segment("text", text[pos:], text[pos:]))


def segments(markdown: str) -> list[Segment]:
    """Cut a Markdown + LaTeX document into segments, in order; joining ``raw`` gives it back."""
    out: list[Segment] = []
    pos = 0
    for token in _leaves(_MD.parse(markdown)):
        match = _pattern(token).search(markdown, pos)
        if match is None:  # not found as written: leave it in the prose
            continue
        _prose(markdown[pos : match.start()], out)
        source = token.content.rstrip("\n") if token.type == "fence" else token.content
        out.append(Segment(_KIND[token.type], source, match.group(0)))  # type: ignore[arg-type]
        pos = match.end()
    _prose(markdown[pos:], out)
    return out


def display_blocks(markdown: str) -> list[str]:
    """The LaTeX source of each display formula (``$$``, ``\\[``, bare ``\\begin{align}``...), in order."""
    return [seg.source.strip() for seg in segments(markdown) if seg.kind == "display" and seg.source.strip()]
