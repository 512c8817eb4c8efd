"""Split Markdown + LaTeX into prose, code, inline math, display math and diagrams.

How a ``$`` is read (currency stays text):

- ``\\$`` is always a literal dollar sign.
- ``$$...$$`` is display math.
- A single ``$`` opens inline math only if the next ``$`` closes it: the opening one must be
  followed by a non-space, the closing one preceded by a non-space and not followed by a digit
  (so ``$5 and $10`` is text), with no blank line between them.
- Even then ``$5 and 3$``-like spans whose content starts with an amount followed by a plain word
  are text: ``costs $5 for x and $``.
- ``$$`` with no closing ``$$`` is a dollar sign followed by a ``$``: ``He had $$43$ dollars``.

An opener never closed (``\\(``, ``\\[``, ``$$``) is text, except at the end of a truncated answer:
a last paragraph that reads as LaTeX, not prose, is the formula the model was cut off in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .latex import LIST_ENVS, MATH_ENVIRONMENTS

Kind = Literal["text", "inline", "display", "code", "codeblock", "diagram", "textenv"]

DIAGRAM_ENVS = {"tikzpicture", "asy", "picture", "tikzcd"}
TEXT_ENVS = {"tabular", "tabular*", "tabularx"} | LIST_ENVS

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*$", re.M)
_BEGIN = re.compile(r"\\begin\{([A-Za-z]+\*?)\}")
_AMOUNT_THEN_WORD = re.compile(r"\d[\d,]*(\.\d+)?\s+[A-Za-z]{2,}")
_MATHY = re.compile(r"[\\^_={]")


@dataclass(frozen=True)
class Segment:
    """A piece of the document: ``source`` is what's inside the delimiters (math, code),
    ``raw`` the original text."""

    kind: Kind
    source: str
    raw: str


class _EnvEnds:
    """Where each ``\\begin{name}`` of a text is closed, found in one pass per name.

    Scanning forward from every ``\\begin`` was quadratic: thousands of unclosed ``\\begin{align}``
    (a model stuck in a loop) took seconds.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.ends: dict[str, dict[int, int]] = {}

    def find(self, start: int, name: str) -> int:
        """Index just past the ``\\end{name}`` closing the environment whose ``\\begin`` ends at ``start``."""
        if name not in self.ends:
            pattern = re.compile(r"\\(begin|end)\{" + re.escape(name) + r"\}")
            pairs: dict[int, int] = {}
            stack: list[int] = []
            for match in pattern.finditer(self.text):
                if match.group(1) == "begin":
                    stack.append(match.end())
                elif stack:
                    pairs[stack.pop()] = match.end()
            self.ends[name] = pairs
        return self.ends[name].get(start, -1)


def _closing_dollar(text: str, start: int) -> int:
    """Position of the ``$`` closing inline math opened at ``start - 1``, or -1 (not math)."""
    j = start
    while True:
        j = text.find("$", j)
        if j < 0:
            return -1
        if text[j - 1] == "\\":
            j += 1
            continue
        break
    content = text[start:j]
    if not content or re.search(r"\n\s*\n", content):
        return -1
    lenient = bool(_MATHY.search(content))
    if (content[0].isspace() or content[-1].isspace()) and not lenient:
        return -1
    if j + 1 < len(text) and text[j + 1].isdigit() and "\\" not in content:
        return -1
    if _AMOUNT_THEN_WORD.match(content) and "\\" not in content.split()[0]:
        return -1
    return j


def _cut_off_formula(rest: str) -> bool:
    """Is ``rest``, after an opener that is never closed, a formula the model was cut off in
    (``Thus \\[x = \\frac{1}{2``)? Only in the last paragraph, only if it looks like LaTeX, and
    not if it reads as prose (``\\[ x = 1 and no end`` stays text)."""
    if not rest.strip() or re.search(r"\n\s*\n", rest) or not _MATHY.search(rest):
        return False
    bare = re.sub(r"\\[A-Za-z]+\*?(\{[^{}]*\})?", " ", rest)  # \text{if } is not prose
    return not re.search(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}", bare)


def _inline_code_end(text: str, start: int, ticks: int) -> int:
    pattern = re.compile(r"(?<!`)" + "`" * ticks + r"(?!`)")
    match = pattern.search(text, start + ticks)
    return match.end() if match else -1


def _scan_prose(text: str, out: list[Segment]) -> None:
    buf: list[str] = []

    def flush() -> None:
        chunk = "".join(buf)
        if chunk:
            out.append(Segment("text", chunk, chunk))
        buf.clear()

    i, n = 0, len(text)
    env_ends = _EnvEnds(text)
    special = re.compile(r"[\\$`\[]")
    while i < n:
        match = special.search(text, i)
        if not match:
            buf.append(text[i:])
            break
        k = match.start()
        buf.append(text[i:k])
        i = k
        ch = text[i]
        if ch == "\\":
            nxt = text[i + 1 : i + 2]
            if nxt in ("(", "["):
                close = "\\)" if nxt == "(" else "\\]"
                end = text.find(close, i + 2)
                kind: Kind = "inline" if nxt == "(" else "display"
                if end >= 0:
                    flush()
                    out.append(Segment(kind, text[i + 2 : end], text[i : end + 2]))
                    i = end + 2
                    continue
                if _cut_off_formula(text[i + 2 :]):
                    flush()
                    out.append(Segment(kind, text[i + 2 :], text[i:]))
                    break
            begin = _BEGIN.match(text, i)
            if begin:
                name = begin.group(1)
                base = name.rstrip("*")
                if (
                    base in MATH_ENVIRONMENTS
                    or name in DIAGRAM_ENVS
                    or name in TEXT_ENVS
                    or base in ("equation",)
                ):
                    end = env_ends.find(begin.end(), name)
                    if end >= 0:
                        flush()
                        raw = text[i:end]
                        kind = (
                            "diagram"
                            if name in DIAGRAM_ENVS
                            else "textenv"
                            if name in TEXT_ENVS
                            else "display"
                        )
                        out.append(Segment(kind, raw, raw))
                        i = end
                        continue
            buf.append(text[i : i + 2])
            i += 2
            continue
        if ch == "[":
            if text.startswith("[asy]", i):
                end = text.find("[/asy]", i)
                end = n if end < 0 else end + len("[/asy]")
                flush()
                out.append(Segment("diagram", text[i:end], text[i:end]))
                i = end
                continue
            buf.append(ch)
            i += 1
            continue
        if ch == "`":
            ticks = len(re.match(r"`+", text[i:]).group(0))  # type: ignore[union-attr]
            end = _inline_code_end(text, i, ticks)
            if end >= 0:
                flush()
                out.append(Segment("code", text[i + ticks : end - ticks], text[i:end]))
                i = end
                continue
            buf.append("`" * ticks)
            i += ticks
            continue
        # a dollar sign
        if text.startswith("$$", i):
            end = text.find("$$", i + 2)
            if end >= 0 and text[i + 2 : end].strip():
                flush()
                out.append(Segment("display", text[i + 2 : end], text[i : end + 2]))
                i = end + 2
                continue
            if end < 0 and "$" not in text[i + 2 :] and _cut_off_formula(text[i + 2 :]):
                flush()
                out.append(Segment("display", text[i + 2 :], text[i:]))
                break
            if end < 0:  # "He had $$43$ dollars": a dollar sign, then inline math
                buf.append("$")
                i += 1
                continue
            buf.append("$$")
            i += 2
            continue
        end = _closing_dollar(text, i + 1)
        if end >= 0:
            flush()
            out.append(Segment("inline", text[i + 1 : end], text[i : end + 1]))
            i = end + 1
            continue
        buf.append("$")
        i += 1
    flush()


def segments(markdown: str) -> list[Segment]:
    """Cut a Markdown + LaTeX document into segments, in order; joining ``raw`` gives it back."""
    out: list[Segment] = []
    pos = 0
    text = markdown
    while pos < len(text):
        fence = _FENCE.search(text, pos)
        if not fence:
            _scan_prose(text[pos:], out)
            break
        _scan_prose(text[pos : fence.start()], out)
        marker = fence.group(1)
        closing = re.compile(r"^ {0,3}" + re.escape(marker[0]) + "{" + str(len(marker)) + r",}\s*$", re.M)
        close = closing.search(text, fence.end())
        end = close.end() if close else len(text)
        raw = text[fence.start() : end]
        body_start = fence.end() + 1
        body_end = close.start() if close else len(text)
        out.append(Segment("codeblock", text[body_start : max(body_start, body_end)].rstrip("\n"), raw))
        pos = end
    return out


def display_blocks(markdown: str) -> list[str]:
    """The LaTeX source of each display formula (``$$``, ``\\[``, bare ``\\begin{align}``...), in order."""
    return [seg.source.strip() for seg in segments(markdown) if seg.kind == "display" and seg.source.strip()]
