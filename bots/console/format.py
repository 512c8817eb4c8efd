"""How the console shows progress (one line on stderr) and the answer (stdout), as pure functions."""

from __future__ import annotations

from typing import Any

from mathbot import messages, render
from mathbot.outcome import Vote

RULE = "─" * 60


def duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def progress_line(body: dict[str, Any], width: int = 100) -> str:
    """`⠋ thinking · 1,234 tokens · 0:42 · “so the sum is …”` for a progress event body."""
    phase = body.get("phase", "")
    parts = [phase]
    if phase == "queued" and body.get("position"):
        parts.append(f"position {body['position']}")
    if body.get("tokens"):
        parts.append(f"{body['tokens']:,} tokens")
    parts.append(duration(body.get("elapsed", 0.0)))
    if body.get("votes"):
        parts.append(body["votes"])
    if body.get("detail"):
        parts.append(body["detail"])
    elif body.get("snippet"):
        parts.append(render.snippet(body["snippet"], 60))
    line = " · ".join(parts)
    return line if len(line) <= width else line[: width - 1] + "…"


def vote_of(body: dict[str, Any]) -> Vote | None:
    """The vote of an answer event (JSON lists back into the dataclass), if it had several samples."""
    raw = body.get("vote")
    if not raw:
        return None
    return Vote(**{**raw, "answers": tuple((str(a), int(n)) for a, n in raw["answers"])})


def answer_text(body: dict[str, Any]) -> str:
    """The solution and a clearly marked final answer, for stdout."""
    card = render.answer_card(
        body.get("final"),
        body.get("question", ""),
        truncated=body["truncated"],
        vote=vote_of(body),
        rescued=bool(body.get("rescued")),
    )
    out = []
    if body.get("dropped_turns"):
        out.append(messages.dropped_turns(body["dropped_turns"]))
    if body.get("solution"):
        out.append(render.to_text(body["solution"], "console"))
    out.append(RULE)
    out.append(card.headline)
    if card.note:
        out.append(card.note)
    if body["truncated"]:
        out.append(messages.TRUNCATED)
    tokens = messages.tokens_used(body["completion_tokens"], vote_of(body))
    out.append(
        f"({tokens}, thought for {duration(body['thinking_seconds'])}, total {duration(body['elapsed'])})"
    )
    return "\n".join(out)
