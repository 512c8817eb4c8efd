"""Split an R1-style generation into reasoning and answer, and find the final \\boxed{} answer.

Three shapes reach us: the chat template opened `<think>` so the text starts inside the reasoning
and holds only `</think>`; both tags are in the text; or the server (vLLM's reasoning parser)
streams the reasoning in a separate `reasoning_content` field and `content` is only the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

OPEN, CLOSE = "<think>", "</think>"
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*")


@dataclass(frozen=True)
class Split:
    reasoning: str
    answer: str
    closed: bool
    """True when the reasoning visibly ended (a `</think>`, or a separate reasoning field then content)."""


def split(content: str, reasoning_field: str = "") -> Split:
    """Split the full `content` (and any separate `reasoning_content`) into reasoning and answer.

    Without a closing tag the whole content is reasoning, unless nothing suggests thinking at all
    (no reasoning field, no opening tag): then we cannot tell and treat the reasoning as unfinished.
    """
    if reasoning_field:
        head, sep, tail = content.partition(CLOSE)
        if sep:  # a server that sends both: the tag still wins
            return Split(_strip_open(reasoning_field + head).strip(), tail.strip(), True)
        return Split(reasoning_field.strip(), _strip_open(content).strip(), bool(content.strip()))
    head, sep, tail = content.rpartition(CLOSE)
    if sep:
        return Split(_strip_open(head).strip(), tail.strip(), True)
    return Split(_strip_open(content).strip(), "", False)


def _strip_open(text: str) -> str:
    stripped = text.lstrip()
    return stripped[len(OPEN) :] if stripped.startswith(OPEN) else text


def last_boxed(text: str) -> str | None:
    """The content of the last brace-matched `\\boxed{...}` (or `\\fbox{...}`, `\\boxed 5`) in text."""
    found: str | None = None
    for match in _BOXED.finditer(text):
        start = match.end()
        if start < len(text) and text[start] == "{":
            inner = _braced(text, start)
            if inner is not None:
                found = inner.strip()
        else:
            bare = re.match(r"[^\s$.,;]+", text[start:])
            if bare:
                found = bare.group(0)
    return found


def _braced(text: str, open_at: int) -> str | None:
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
                return text[open_at + 1 : i]
        i += 1
    return None


@dataclass
class StreamTracker:
    """Follows a stream delta by delta to tell the phase (thinking or answering) cheaply.

    Only the last few characters are rescanned per delta, so a 16K-token stream stays linear.
    """

    content: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    answering: bool = False
    _tail: str = ""

    def feed(self, content: str = "", reasoning: str = "") -> None:
        if reasoning:
            self.reasoning.append(reasoning)
        if content:
            self.content.append(content)
            window = self._tail + content
            if CLOSE in window or (self.reasoning and content.strip()):
                self.answering = True
            self._tail = window[-len(CLOSE) :]

    @property
    def phase(self) -> Literal["thinking", "answering"]:
        return "answering" if self.answering else "thinking"

    def result(self) -> Split:
        return split("".join(self.content), "".join(self.reasoning))

    def recent_reasoning(self, chars: int = 600) -> str:
        """The tail of the reasoning so far, from a word boundary (for a progress snippet); empty
        once the model is writing its answer (the answer itself is about to be shown)."""
        if self.answering:
            return ""
        parts = self.reasoning or self.content
        tail, size = [], 0
        for part in reversed(parts):  # only as many deltas as needed: linear over a 16K stream
            tail.append(part)
            size += len(part)
            if size > chars:
                break
        text = "".join(reversed(tail))
        if size <= chars and len(tail) == len(parts):
            return _strip_open(text)
        cut = text[-chars:]
        space = cut.find(" ")
        return cut[space + 1 :] if space >= 0 else cut
