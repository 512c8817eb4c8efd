"""Split a long message into parts that fit a platform limit, at the most natural boundary available."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
# A formula never spans another opener of its kind, so an unclosed "\\(" stops at the next one
# instead of scanning on (thousands of unclosed openers made this quadratic).
_PROTECTED = re.compile(
    r"\$\$.*?\$\$|\\\[(?:[^\\]|\\(?!\[))*?\\\]|\\\((?:[^\\]|\\(?!\())*?\\\)"
    r"|(?<![\\$])\$[^$\n]+?\$|`[^`\n]+`|<[^<>\n]+>|&[A-Za-z]+;",
    re.S,
)


def _blocks(text: str) -> list[str]:
    """Paragraphs, keeping a fenced code block or a display formula whole even across blank lines."""
    blocks: list[str] = []
    current: list[str] = []
    fence: str | None = None
    display: str | None = None
    for line in text.split("\n"):
        if fence is None and display is None and not line.strip():
            if current:
                blocks.append("\n".join(current))
                current = []
            continue
        current.append(line)
        match = _FENCE.match(line)
        if fence is None and display is None and match:
            fence = match.group(1)[0] * 3
            if line.strip().count(fence) >= 2 and len(line.strip()) > 3 and line.strip().endswith(fence):
                fence = None  # ```one-line```
        elif fence is not None and line.strip().startswith(fence):
            fence = None
        elif fence is None:
            dollars = len(re.findall(r"(?<!\\)\$\$", line))
            if display == "$$":
                if dollars % 2:
                    display = None
            elif display == "\\[":
                if "\\]" in line:
                    display = None
            elif dollars % 2:
                display = "$$"
            elif line.count("\\[") > line.count("\\]"):
                display = "\\["
    if current:
        blocks.append("\n".join(current))
    return blocks


def _cut_points(line: str, limit: int) -> tuple[list[int], list[int]]:
    """Whitespace positions up to ``limit`` outside formulas and code: (after a sentence end, anywhere)."""
    inside = [False] * (limit + 2)
    # formulas longer than the window are rare; looking further would make long lines quadratic
    for match in _PROTECTED.finditer(line, 0, 4 * limit + 4000):
        if match.start() > limit:
            break
        for pos in range(match.start() + 1, min(match.end(), limit + 2)):
            inside[pos] = True
    sentence, space = [], []
    for match in re.finditer(r"\s+", line[: limit + 1]):
        pos = match.start()
        if inside[pos]:
            continue
        space.append(pos)
        if pos > 0 and line[pos - 1] in ".!?;:":
            sentence.append(pos)
    return sentence, space


def _split_line(line: str, limit: int) -> list[str]:
    parts: list[str] = []
    while len(line) > limit:
        sentence, space = _cut_points(line, limit)
        cut = max((p for p in sentence if 0 < p <= limit), default=0) or max(
            (p for p in space if 0 < p <= limit), default=0
        )
        if cut <= 0:
            cut = limit
            while cut > 1 and (line[cut - 1] == "&" or re.match(r"&[A-Za-z]*$", line[max(0, cut - 8) : cut])):
                cut -= 1
            parts.append(line[:cut])
            line = line[cut:]
        else:
            parts.append(line[:cut].rstrip())
            line = line[cut:].lstrip()
    if line:
        parts.append(line)
    return parts


def _pack(pieces: list[str], limit: int, joiner: str) -> list[str]:
    parts: list[str] = []
    current = ""
    for piece in pieces:
        if not current:
            current = piece
        elif len(current) + len(joiner) + len(piece) <= limit:
            current += joiner + piece
        else:
            parts.append(current)
            current = piece
    if current:
        parts.append(current)
    return parts


def _split_code(block: str, limit: int) -> list[str]:
    lines = block.split("\n")
    opening = lines[0]
    fence = _FENCE.match(opening).group(1)[:3]  # type: ignore[union-attr]
    body = lines[1:-1] if len(lines) > 1 and lines[-1].strip().startswith(fence) else lines[1:]
    budget = limit - len(opening) - len(fence) - 2
    if budget < 10:
        return _split_plain(block, limit)
    pieces = [p for line in body for p in (_split_line(line, budget) if len(line) > budget else [line])]
    return [f"{opening}\n{chunk}\n{fence}" for chunk in _pack(pieces, budget, "\n")]


def _split_plain(block: str, limit: int) -> list[str]:
    pieces: list[str] = []
    for line in block.split("\n"):
        pieces.extend(_split_line(line, limit) if len(line) > limit else [line])
    return _pack(pieces, limit, "\n")


def split_message(text: str, limit: int) -> list[str]:
    """Cut ``text`` into parts of at most ``limit`` characters.

    Cuts go between paragraphs, else between lines, else after a sentence, else at a space, never
    inside ``$...$``, ``\\[...\\]``, a code span or a Slack entity; a code block that must be cut is
    closed and reopened. Joining the parts with blank lines gives the text back up to whitespace
    (and the added fences).
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    text = text.strip("\n")
    if len(text) <= limit:
        return [text] if text else []
    pieces: list[str] = []
    for block in _blocks(text):
        if len(block) <= limit:
            pieces.append(block)
        elif _FENCE.match(block):
            pieces.extend(_split_code(block, limit))
        else:
            pieces.extend(_split_plain(block, limit))
    return _pack(pieces, limit, "\n\n")
