"""The model's thinking shown to people: all of it as a Markdown file, and a one-line progress snippet."""

from __future__ import annotations

import re

from mathbot.tex import group_end

from .markup import to_text

REASONING_FILENAME = "reasoning.md"
SNIPPET_TAIL_CHARS = 1500
"""How much of the end of the reasoning the snippet looks at."""

_SNIPPET_MAP = str.maketrans(
    {
        "*": "∗",
        "|": "∣",
        "~": "∼",
        "<": "‹",
        ">": "›",
        "`": "'",
        "@": None,
        "_": None,
        "\\": None,
        "#": None,
    }
)


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    minutes, secs = divmod(seconds, 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def reasoning_file(reasoning: str, *, tokens: int, seconds: float, problem: str) -> tuple[str, bytes]:
    """A Markdown file: a header (problem, tokens, thinking time), then the reasoning verbatim."""
    quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in problem.strip().split("\n"))
    header = (
        "# Reasoning\n\n"
        f"**Problem**\n\n{quoted}\n\n"
        f"- Tokens: {tokens:,}\n"
        f"- Thinking time: {_duration(seconds)}\n\n"
        "---\n\n"
    )
    return REASONING_FILENAME, (header + reasoning.strip("\n") + "\n").encode("utf-8")


def _last_sentence(text: str) -> str:
    pieces = re.split(r"(?<=[.!?])\s+", text.strip())
    pieces = [p for p in pieces if p.strip()]
    if not pieces:
        return ""
    if text.rstrip()[-1:] in ".!?" or len(pieces) == 1:
        return pieces[-1]
    # The last piece is still being written: show the last complete one, unless it is tiny.
    complete = pieces[-2]
    return complete if len(complete) >= 12 else pieces[-1]


def _drop_open_formula(text: str) -> str:
    """The streamed text without a formula still being written at its end (``… \\(\\frac{3}{``),
    which would convert to debris."""
    cut = len(text)
    for opener, closer in (("\\(", "\\)"), ("\\[", "\\]")):
        start = text.rfind(opener)
        if start >= 0 and text.find(closer, start) < 0:
            cut = min(cut, start)
    if text.count("$$") % 2:
        cut = min(cut, text.rfind("$$"))
    first_open = _unclosed_group(text[:cut])
    if first_open >= 0:  # an argument still open: go back to the command or word it belongs to
        space = max(text.rfind(" ", 0, first_open), text.rfind("\n", 0, first_open))
        cut = min(cut, space + 1 if space >= 0 else 0)
    return text[:cut]


def _unclosed_group(text: str) -> int:
    """Where the outermost ``{`` that is never closed opens, or -1 when every group closes."""
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == "{":
            end = group_end(text, i)
            if end < 0:
                return i
            i = end
        else:
            i += 1
    return -1


def snippet(reasoning_so_far: str, limit: int = 120) -> str:
    """What the model is working on now: one sanitised line, at most ``limit`` characters."""
    tail = reasoning_so_far[-SNIPPET_TAIL_CHARS:]
    if len(reasoning_so_far) > SNIPPET_TAIL_CHARS:
        # don't start inside a formula: begin after the first paragraph or line break
        newline = tail.find("\n")
        tail = tail[newline + 1 :] if 0 <= newline < len(tail) // 2 else tail
    tail = tail.replace("<think>", " ").replace("</think>", " ")
    text = to_text(_drop_open_formula(tail), "console")
    text = re.sub(r"\*\*|__", "", text)
    text = " ".join(text.split())
    sentence = _last_sentence(text)
    sentence = sentence.translate(_SNIPPET_MAP)
    sentence = " ".join(sentence.split()).strip(" -")
    if len(sentence) > limit:
        cut = sentence[: max(limit - 1, 1)]
        space = cut.rfind(" ")
        if space > limit // 2:
            cut = cut[:space]
        sentence = cut.rstrip(" ,;:") + "…"
    return sentence
