"""How the console shows progress (one line on stderr) and the answer (stdout), as pure functions."""

from __future__ import annotations

from dataclasses import replace

from bots.console import texts
from mathbot import messages, present, render
from mathbot.outcome import Answer, Progress


def progress_line(progress: Progress, width: int = texts.STYLE.limit) -> str:
    """`thinking · 1,234 tokens · 0:42 · so the sum is …` (one line of at most `width` characters)."""
    return present.progress_text(progress, replace(texts.STYLE, limit=width))


def answer_text(answer: Answer) -> str:
    """The solution and a clearly marked final answer, for stdout."""
    card = render.answer_card(
        answer.final, answer.question, truncated=answer.truncated, vote=answer.vote, rescued=answer.rescued
    )
    out = []
    if answer.dropped_turns:
        out.append(messages.dropped_turns(answer.dropped_turns))
    if answer.solution:
        out.append(render.to_text(answer.solution, "console"))
    out.append(texts.RULE)
    out.append(card.headline)
    if card.note:
        out.append(card.note)
    if answer.truncated:
        out.append(messages.TRUNCATED)
    out.append(f"({', '.join(present.stats(answer))})")
    return "\n".join(out)
