"""Split an R1-style generation into reasoning and solution, and conclude: final answer or truncated.

Three shapes reach us: the chat template opened `<think>` so the text starts inside the reasoning
and holds only `</think>`; both tags are in the text; or the server (vLLM's reasoning parser)
streams the reasoning in a separate `reasoning_content` field and `content` is only the answer.
A fourth is a server bug seen in the wild (`transformers serve`, see PITFALLS.md): the whole
templated prompt streamed as the first `content` chunk, then every generated token, `</think>`
and the answer included, as `reasoning_content`. Chat-template tokens never reach a user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from mathbot import boxes

OPEN, CLOSE = "<think>", "</think>"

_TEMPLATE = re.compile(
    r"<｜[^｜<>\n]{1,40}｜>"
    r"|<\|(?:User|Assistant|System|begin[▁_ ]of[▁_ ]sentence|end[▁_ ]of[▁_ ]sentence"
    r"|im_start|im_end|endoftext|eot_id|start_header_id|end_header_id)\|>",
    re.IGNORECASE,
)
"""DeepSeek-R1's template tokens (fullwidth bars, `▁` for spaces), their ASCII forms, Qwen's, Llama's."""
_PROMPT_END = re.compile(r"<(?:｜|\|)Assistant(?:｜|\|)>|<\|im_start\|>assistant\n?", re.IGNORECASE)
_TURN_END = re.compile(
    r"<(?:｜|\|)(?:User|end[▁_ ]of[▁_ ]sentence)(?:｜|\|)>|<\|(?:im_end|endoftext|eot_id)\|>", re.IGNORECASE
)


def own_text(text: str) -> str:
    """The model's own words in `text`: an echoed prompt (text that opens with a template token) is
    dropped up to the assistant marker that opens the reply, a runaway next turn after an
    end-of-turn token is dropped, and any other template token is removed."""
    if _TEMPLATE.match(text.lstrip()):
        ends = list(_PROMPT_END.finditer(text))
        opening = [m for m in ends if text[m.end() :].lstrip().startswith(OPEN)]
        if ends:  # the reply opens `<think>` (R1's template); else it follows the prompt's last turn
            text = text[(opening[0] if opening else ends[-1]).end() :]
    turn_end = _TURN_END.search(text)
    if turn_end:
        text = text[: turn_end.start()]
    return _TEMPLATE.sub("", text)


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
    content, reasoning_field = own_text(content), own_text(reasoning_field)
    if reasoning_field:
        head, sep, tail = content.partition(CLOSE)
        if sep:  # a server that sends both: the tag still wins
            return Split(_strip_open(reasoning_field + head).strip(), tail.strip(), True)
        thought, sep, rest = reasoning_field.rpartition(CLOSE)
        if sep:  # the whole generation in the reasoning field
            return Split(_strip_open(thought).strip(), (rest + _strip_open(content)).strip(), True)
        answer = _strip_open(content).strip()
        return Split(reasoning_field.strip(), answer, bool(answer))
    head, sep, tail = content.rpartition(CLOSE)
    if sep:
        return Split(_strip_open(head).strip(), tail.strip(), True)
    return Split(_strip_open(content).strip(), "", False)


def _strip_open(text: str) -> str:
    stripped = text.lstrip()
    return stripped[len(OPEN) :] if stripped.startswith(OPEN) else text


@dataclass(frozen=True)
class Conclusion:
    """What a finished generation amounts to: the texts to show, the final answer, whether it was cut."""

    reasoning: str
    solution: str
    final: str | None
    """The final answer (the concluding statement's boxes, `mathbot.boxes`), or None."""
    truncated: bool
    """The token budget ran out before a final answer: never present the solution as an answer."""


def conclude(parts: Split, finish_reason: str) -> Conclusion:
    """The one rule for how a generation ended.

    A length stop (`finish_reason == "length"`) without a non-empty final answer is truncated,
    whatever else arrived; an empty `\\boxed{}` is no answer. A generation that stopped by itself
    without ever closing its reasoning is a model that skipped thinking: all of it is the solution.
    A finished solution without a box is answered, with no final answer.
    """
    if not parts.closed and finish_reason != "length":
        parts = Split("", parts.reasoning, True)
    final = boxes.final_answer(parts.answer) if parts.closed else None
    truncated = final is None and (finish_reason == "length" or not parts.closed)
    return Conclusion(parts.reasoning, parts.answer, final, truncated)


@dataclass
class StreamTracker:
    """Follows a stream delta by delta to tell the phase (thinking or answering) cheaply.

    Only the last few characters are rescanned per delta, so a 16K-token stream stays linear.
    """

    content: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    answering: bool = False
    _tail: str = ""
    _reasoning_tail: str = ""

    def feed(self, content: str = "", reasoning: str = "") -> None:
        if reasoning:
            self.reasoning.append(reasoning)
            window = self._reasoning_tail + reasoning
            if CLOSE in window:  # a server that streams the whole generation as reasoning
                self.answering = True
            self._reasoning_tail = window[-len(CLOSE) :]
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
        whole = size <= chars and len(tail) == len(parts)
        echoed = list(_PROMPT_END.finditer(text))  # a server that streamed the prompt back first
        if echoed:
            text = text[echoed[-1].end() :]
            whole = len(text) <= chars
        text = _TEMPLATE.sub("", text)
        if whole:
            return _strip_open(text)
        cut = text[-chars:]
        space = cut.find(" ")
        return cut[space + 1 :] if space >= 0 else cut
