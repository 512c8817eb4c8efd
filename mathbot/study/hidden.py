"""What a card keeps hidden until someone asks: a check's answer, a study-mode answer (`keys.STUDY`
`hidden:<ref>`), and how a click may reveal it: only in the channel it was shown in, and for a check only
to the person who asked. Revealing is per person: a reveal is shown to the clicker alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Literal

import redis
from pydantic import BaseModel

from mathbot import keys, messages, render
from mathbot.outcome import Progress
from mathbot.study import cards, hints, texts

Reveal = Literal["hint", "answer", "solution"]


class Hidden(BaseModel):
    """An answer that is not shown until asked for."""

    platform: str
    channel: str
    """Where the card was shown: a click from another channel reveals nothing."""
    owner: str | None = None
    """Only this person may reveal it (a check's asker); None: anyone in the channel."""
    problem: str = ""
    final: str | None = None
    """The final answer (LaTeX), None when there is none (a truncated answer)."""
    solution: str = ""
    reasoning: str = ""
    note: str = ""
    """Where the answer comes from ("The official answer (AIME 2025 #1).", "4 of 5 samples agree.")."""
    tokens: int = 0
    seconds: float = 0.0


def _key(ref: str) -> str:
    return f"{keys.STUDY}hidden:{ref}"


def keep(connection: redis.Redis, ref: str, hidden: Hidden, ttl: int) -> None:
    connection.set(_key(ref), hidden.model_dump_json(), ex=ttl)


def load(connection: redis.Redis, ref: str) -> Hidden | None:
    raw = connection.get(_key(ref))
    try:
        return Hidden.model_validate_json(raw) if raw else None
    except ValueError:
        return None


def reveal(
    connection: redis.Redis, ref: str, kind: Reveal, *, platform: str, channel: str, user: str, ttl: int
) -> cards.Card:
    """What a click on `kind` shows `user` (always a private card): the next hint, the answer, or the
    solution with the reasoning file; or why not (gone, another channel, not theirs)."""
    hidden = load(connection, ref)
    if hidden is None:
        return cards.notice(texts.REVEAL_GONE)
    if hidden.platform != platform or hidden.channel != channel:
        return cards.notice(texts.REVEAL_ELSEWHERE)
    if hidden.owner is not None and hidden.owner != user:
        return cards.notice(texts.REVEAL_ONLY_OWNER)
    if kind == "answer":
        if not hidden.final:
            return cards.notice(texts.NO_FINAL)
        return cards.answer_reveal(hidden.final, hidden.note)
    if kind == "solution":
        return cards.solution_reveal(hidden.solution, hidden.note, reasoning_file(hidden))
    return next_hint(connection, ref, user, hidden.solution, hidden.final, ttl)


def next_hint(
    connection: redis.Redis, ref: str, user: str, solution: str, final: str | None, ttl: int
) -> cards.Card:
    """The next hint of `solution` for `user` (their own count), or that there are no more."""
    found = hints.steps(solution, final)
    number = hints.take(connection, ref, user, ttl)
    if not found or number > len(found):
        return cards.notice(texts.NO_MORE_HINTS)
    last = number == len(found) and bool(final)
    return cards.hint(number, len(found), found[number - 1], last)


def reasoning_file(hidden: Hidden) -> cards.File | None:
    if not hidden.reasoning.strip():
        return None
    name, data = render.reasoning_file(
        hidden.reasoning, tokens=hidden.tokens, seconds=hidden.seconds, problem=hidden.problem
    )
    return cards.File(name, data)


_DONE = re.compile(r"(\d+) of (\d+)")


def quiet(report: Callable[[Progress], None]) -> Callable[[Progress], None]:
    """`report` for progress that gives nothing away: no snippet of the model's work (its last lines
    often name the answer) and no sample's answer, only how many samples are done."""

    def spoiler_free(progress: Progress) -> None:
        done = _DONE.search(progress.votes)
        votes = messages.voting(int(done[1]), int(done[2]), []) if done else ""
        report(replace(progress, snippet="", votes=votes))

    return spoiler_free
