"""Build the chat messages for a question and fit them into the token budget (pure)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mathbot import extract
from mathbot.errors import EmptyQuestion, QuestionTooLong
from mathbot.jobs import Turn

INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."
"""The model card's prompt suffix; R1 distills work best with no system prompt."""

Message = dict[str, str]
Counter = Callable[[list[Message]], int]


@dataclass(frozen=True)
class Budget:
    """How many tokens the prompt uses and how many are left for the answer."""

    messages: list[Message]
    prompt_tokens: int
    max_tokens: int
    dropped_turns: int


def build_messages(turns: Sequence[Turn]) -> list[Message]:
    """Chat messages for the model: earlier reasoning stripped, the instruction on the last question."""
    messages: list[Message] = []
    for turn in turns:
        content = turn.content.strip()
        if turn.role == "assistant":
            content = extract.split(content).answer if extract.CLOSE in content else content
        if content:
            messages.append({"role": turn.role, "content": content})
    # Consecutive same-role turns (several people replying in a thread) merge into one message.
    merged: list[Message] = []
    for m in messages:
        if merged and merged[-1]["role"] == m["role"]:
            merged[-1] = {"role": m["role"], "content": merged[-1]["content"] + "\n\n" + m["content"]}
        else:
            merged.append(m)
    while merged and merged[0]["role"] != "user":
        merged.pop(0)
    if not merged or merged[-1]["role"] != "user":
        raise EmptyQuestion()
    merged[-1] = {"role": "user", "content": f"{merged[-1]['content']}\n\n{INSTRUCTION}"}
    return merged


def fit(
    turns: Sequence[Turn], count: Counter, max_total: int, min_answer: int, max_input: int | None = None
) -> Budget:
    """Drop the oldest turns until the prompt leaves at least `min_answer` tokens for the answer
    (and, when the server's own prompt limit `max_input` is known, is no longer than that).

    The last question is never dropped: if it alone does not fit, the question is too long.
    """
    limit = max_total - min_answer if max_input is None else min(max_total - min_answer, max_input)
    turns = list(turns)
    dropped = 0
    while True:
        messages = build_messages(turns)
        used = count(messages)
        if used <= limit:
            return Budget(messages, used, max_total - used, dropped)
        if len(turns) <= 1:
            raise QuestionTooLong(used, limit)
        turns, dropped = turns[1:], dropped + 1
        while len(turns) > 1 and turns[0].role != "user":  # an answer whose question is gone
            turns, dropped = turns[1:], dropped + 1


def estimate_tokens(messages: list[Message], chars_per_token: float) -> int:
    """A conservative token count when the server cannot count for us (template overhead included)."""
    chars = sum(len(m["content"]) for m in messages)
    return int(chars / chars_per_token) + 8 * len(messages) + 16
