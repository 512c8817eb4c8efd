"""The final-answer card: the boxed answer as text, a headline, and an AIME sanity check.

AIME heuristic (``aime_expected``): the problem names the AIME, asks for a remainder modulo
1000 or for the last three digits, states that the answer is an integer from 0 to 999, or ends
with "Find m+n" (the AIME way to ask for a reduced fraction or radical). Other problems are not
assumed to be AIME: a false "not an AIME answer" note would mislead more than a missing one.
On the bundled sets this flags 8/30 AIME 2024, 13/30 AIME 2025, 0/40 AMC 2023, 0/30 HMMT 2025, 3/500 MATH.

``fits_aime``: the answer, with spaces, ``\\text{}``, a trailing period, a degree sign, a name
(``n = ``, ``m + n = ``) and a unit word (``ways``) ignored, is an integer 0..999; leading zeros
(``070``) and an integer-valued decimal (``70.0``) count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from mathbot import messages
from mathbot.outcome import Vote

from .latex import BOX_CLOSE, BOX_OPEN, math_to_text

HEADLINE_MAX_CHARS = 200
"""Longer answers are cut with ``…`` in the headline (``final_text`` keeps them whole)."""

NO_ANSWER_TRUNCATED = "No final answer: the model ran out of room before answering"
NO_ANSWER = "No final answer: the model did not give a boxed answer"
NOTE_NOT_AIME = "AIME answers are integers 0–999; this one is not."
NOTE_TRUNCATED = "The model ran out of room after this answer, so it may not be its last word."

_AIME_MARKERS = [
    re.compile(r"\bAIME\b"),
    re.compile(r"remainder\s+when[^.?!]*?divided\s+by\s+\$?\s*1000\b", re.I | re.S),
    re.compile(r"\bmod(ulo)?\s*\$?\s*1000\b|\\pmod\{?\s*1000", re.I),
    re.compile(r"last\s+three\s+digits", re.I),
    re.compile(r"integer\s+(from|between)\s+\$?0\$?\s+(to|and)\s+\$?999", re.I),
    # "...where m and n are relatively prime positive integers. Find m+n."
    re.compile(r"\bFind\s+(\$|\\\()?\s*[a-z]\s*\+\s*[a-z](\s*\+\s*[a-z])*\s*(\$|\\\))?\s*\.?\s*$"),
]


@dataclass(frozen=True)
class AnswerCard:
    """What the adapters show above the solution."""

    final_text: str
    latex: str | None
    aime_expected: bool
    fits_aime: bool | None
    headline: str
    note: str | None


def looks_like_aime(problem: str) -> bool:
    """Does the problem ask for an AIME-style answer (an integer 0..999)? See the module docstring."""
    return any(marker.search(problem) for marker in _AIME_MARKERS)


def aime_integer(answer_text: str) -> int | None:
    """The integer an answer stands for if it is a whole number (``"070"``, ``"70.0"`` → 70).

    ``n = 204``, ``m + n = 204``, ``f(3) = 204`` and ``204 ways`` count as 204: the model often names
    or counts the thing it boxed, and calling those "not an AIME answer" would be wrong.
    """
    text = answer_text.strip()
    named = re.fullmatch(r"[A-Za-z][\w′]{0,3}(\([^()=]*\))?(\s*\+\s*[A-Za-z]\w?)*\s*=\s*([^=]+)", text)
    if named:
        text = named.group(3)
    text = re.sub(r"(?<=\d)\s+[A-Za-z]{2,}\.?$", "", text.strip())
    text = re.sub(r"\s+", "", text).rstrip(".").replace("°", "")
    match = re.fullmatch(r"(\d+)(?:\.0+)?", text)
    return int(match.group(1)) if match else None


def answer_text(final: str) -> str:
    """The boxed LaTeX as one line of plain Unicode, fractions as ``a/b`` (easy to copy)."""
    text = math_to_text(final, vulgar=False).replace(BOX_OPEN, "").replace(BOX_CLOSE, "")
    return " ".join(text.split())


def vote_note(vote: Vote) -> str:
    """The card's line on the samples behind a majority answer (their answers as plain text)."""
    others = [(answer_text(latex), count) for latex, count in vote.answers[1:]]
    return messages.vote_summary(vote.agree, vote.samples, others, vote.failed, vote.stopped)


def answer_card(final: str | None, problem: str, *, truncated: bool, vote: Vote | None = None) -> AnswerCard:
    """Build the card from the last ``\\boxed{}`` content (``None`` when there was none); with `vote`
    (several samples), the note says how many of them agree."""
    card = _card(final, problem, truncated=truncated)
    if vote is None:
        return card
    note = vote_note(vote)
    return replace(card, note=f"{note} {card.note}" if card.note else note)


def _card(final: str | None, problem: str, *, truncated: bool) -> AnswerCard:
    aime = looks_like_aime(problem)
    if final is None or not final.strip():
        return AnswerCard(
            "", None, aime, None if not aime else False, NO_ANSWER_TRUNCATED if truncated else NO_ANSWER, None
        )
    text = answer_text(final)
    fits: bool | None = None
    note: str | None = None
    if aime:
        value = aime_integer(text)
        fits = value is not None and 0 <= value <= 999
        if not fits:
            note = NOTE_NOT_AIME
    if truncated:
        note = f"{note} {NOTE_TRUNCATED}" if note else NOTE_TRUNCATED
    shown = text if len(text) <= HEADLINE_MAX_CHARS else text[: HEADLINE_MAX_CHARS - 1].rstrip() + "…"
    return AnswerCard(text, final, aime, fits, f"Final answer: {shown}", note)
