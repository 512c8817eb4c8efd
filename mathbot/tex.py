"""Scanning TeX source: brace matching, shared by answer extraction and rendering.

A backslash escapes the next character (`\\{`, `\\}` and `\\\\` are not group delimiters).
"""

from __future__ import annotations


def group_end(text: str, open_at: int) -> int:
    """The index just past the `}` that closes the `{` at `open_at`, or -1 when it never closes."""
    if open_at >= len(text) or text[open_at] != "{":
        return -1
    depth = 0
    i = open_at
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


def group(text: str, open_at: int) -> str | None:
    """The inside of the `{...}` group opening at `open_at`, or None when it never closes."""
    end = group_end(text, open_at)
    return text[open_at + 1 : end - 1] if end >= 0 else None
