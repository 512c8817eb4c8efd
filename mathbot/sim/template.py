"""The DeepSeek-R1 chat template (as Fathom-R1-14B ships it) and helpers to read chat messages."""

from __future__ import annotations

from typing import Any

from mathbot.sim.tokens import ASSISTANT, BOS, EOS, THINK_CLOSE, THINK_OPEN, USER

GENERATION_PROMPT = ASSISTANT + THINK_OPEN + "\n"
"""What the template appends for the model's turn: it opens the reasoning itself."""


def message_text(content: Any) -> str:
    """The text of a message's `content`: a string, or a list of `{"type": "text", "text": ...}` chunks."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [c.get("text", "") for c in content if isinstance(c, dict) and c.get("type") == "text"]
        return "".join(p for p in parts if isinstance(p, str))
    return str(content)


def apply_chat_template(messages: list[dict[str, Any]], add_generation_prompt: bool = True) -> str:
    """Render messages like the R1 template: system text first, earlier reasoning dropped, and (unless
    `add_generation_prompt` is false) the opening of the model's turn."""
    system = "\n\n".join(message_text(m.get("content")) for m in messages if m.get("role") == "system")
    out = [BOS, system]
    for message in messages:
        role = message.get("role")
        text = message_text(message.get("content"))
        if role == "system":
            continue
        if role == "assistant":
            if THINK_CLOSE in text:  # the template strips the reasoning of earlier turns
                text = text.split(THINK_CLOSE)[-1].lstrip("\n")
            out.append(ASSISTANT + text + EOS)
        else:
            out.append(USER + text)
    if add_generation_prompt:
        out.append(GENERATION_PROMPT)
    return "".join(out)


def last_user_text(messages: list[dict[str, Any]]) -> str:
    """The last user message: what the simulated model answers."""
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message.get("content"))
    return ""


def problem_from_prompt(prompt: str) -> str:
    """The last user turn of an already templated prompt (for /generate), else the whole prompt."""
    if USER not in prompt:
        return prompt
    turn = prompt.rsplit(USER, 1)[1]
    return turn.split(ASSISTANT, 1)[0]


def concluding(prompt: str) -> bool:
    """Whether a templated prompt already closes the model's reasoning (`</think>` in the assistant turn
    it continues): what budget forcing sends, so the model only writes its conclusion."""
    return ASSISTANT in prompt and THINK_CLOSE in prompt.rsplit(ASSISTANT, 1)[1]
