"""The study features' messages, platform-neutral: a `Card` says what to show and which buttons to offer;
each platform renders it (`bots/<platform>/study*.py`) and a worker posts it with `Reply.card`.

A card's buttons act on one study record, `ref`: a check (its hidden answer), a study-mode answer, or a
practice problem. Button kinds (`ACTIONS`):

- hint: the next step of the solution, to the clicker only (per person, in order, the final answer last)
- answer / solution: reveal the final answer / the whole solution and reasoning, to the clicker only
- check: check my own answer to this problem (a form; the verdict goes to me only)
- submit: submit an answer to a practice problem (a form; graded at once, the verdict to me only)
- giveup: reveal a practice problem's answer and solution to me (and stop my answer counting)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from mathbot import render
from mathbot.study import texts
from mathbot.study.check import Verdict

Action = Literal["hint", "answer", "solution", "check", "submit", "giveup"]
ACTIONS: tuple[Action, ...] = ("hint", "answer", "solution", "check", "submit", "giveup")


@dataclass(frozen=True)
class File:
    """A file a card carries (the model's reasoning)."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Card:
    """One study message."""

    title: str
    """The headline, plain words (shown bold)."""
    body: str = ""
    """Math text (Markdown and LaTeX), rendered for the platform: a problem, a hint, a solution."""
    notes: tuple[str, ...] = ()
    """Plain lines under the headline."""
    actions: tuple[Action, ...] = ()
    """Buttons, each acting on `ref`."""
    ref: str = ""
    private: bool = False
    """Only the person it is for sees it (Slack: ephemeral; Discord: ephemeral, or a DM)."""
    thread_name: str = ""
    """Post it as a message of the channel and start a thread from it, so named (a practice problem)."""
    verdict: str | None = None
    """A check's outcome (correct | wrong | unsure), for the console's exit code."""
    files: tuple[File, ...] = field(default_factory=tuple)


def verdict(result: Verdict, ref: str) -> Card:
    """A check's verdict for the person who asked: right or not, how sure; the answer stays hidden."""
    notes = [texts.your_answer(result.given)]
    if result.official:
        title = texts.CORRECT if result.outcome == "correct" else texts.WRONG_OFFICIAL
        notes.append(
            texts.matches_official(result.source)
            if result.outcome == "correct"
            else texts.differs_official(result.source)
        )
    elif result.outcome == "unsure":
        title = texts.UNSURE
        notes += [
            texts.no_majority(result.agree, result.samples),
            texts.vote_matches(result.matches, result.samples),
        ]
    else:
        title = texts.CORRECT if result.outcome == "correct" else texts.WRONG_VOTE
        notes.append(texts.agreement(result.agree, result.samples, result.stopped))
        if result.outcome == "wrong":
            notes += [texts.vote_matches(result.matches, result.samples), texts.MAY_BE_WRONG]
    actions: tuple[Action, ...] = (
        ("answer", "solution") if result.outcome != "correct" or not result.official else ("solution",)
    )
    return Card(title, notes=tuple(notes), actions=actions, ref=ref, private=True, verdict=result.outcome)


def checking(samples: int) -> Card:
    """Told at once when a check waits for mathbot's samples."""
    return Card(texts.CHECKING, notes=(texts.checking(samples),), private=True)


def notice(text: str, *, private: bool = True) -> Card:
    """A plain message (a refusal, a confirmation), by default to the clicker only."""
    return Card(text, private=private)


def answer_reveal(answer: str, note: str) -> Card:
    """The final answer, shown to the clicker only."""
    return Card(texts.answer_title(render.answer_text(answer)), notes=(note,) if note else (), private=True)


def solution_reveal(solution: str, note: str = "", reasoning: File | None = None) -> Card:
    """The whole solution (and the reasoning file), shown to the clicker only."""
    notes = tuple(n for n in (note, texts.REASONING_SENT if reasoning else "") if n)
    body = solution.strip() or texts.NO_SOLUTION
    return Card(
        texts.SOLUTION_TITLE, body=body, notes=notes, private=True, files=(reasoning,) if reasoning else ()
    )


def hint(number: int, total: int, step: str, final: bool) -> Card:
    """Hint `number` of `total`, to the clicker only; the last is the final answer."""
    title = texts.final_hint_title(total) if final else texts.hint_title(number, total)
    return Card(title, body=step, actions=("hint",) if not final else (), private=True)


def hidden_answer(ref: str, notes: Sequence[str], has_final: bool) -> Card:
    """A study-mode answer: it is ready, the answer is hidden; buttons reveal, to the clicker only."""
    shown = (texts.HIDDEN_NOTE if has_final else texts.NO_FINAL_HIDDEN, *notes)
    actions: tuple[Action, ...] = ("hint", "answer", "solution", "check") if has_final else ("solution",)
    return Card(texts.HIDDEN_TITLE, notes=shown, actions=actions, ref=ref)


def practice(ref: str, problem: str, title: str, deadline_hours: float, thread_name: str) -> Card:
    """A practice problem (or the problem of the day), posted in the channel with a thread of its own."""
    return Card(
        title,
        body=problem,
        notes=(texts.practice_note(deadline_hours),),
        actions=("submit", "hint", "giveup"),
        ref=ref,
        thread_name=thread_name,
    )


def reveal(
    answer: str, solution: str, solution_note: str, solvers: list[tuple[str, float]], source: str
) -> Card:
    """The practice problem's end, in its thread: the answer, who solved it, mathbot's worked solution."""
    notes = (texts.solvers_line(solvers), texts.official_from(source), solution_note)
    return Card(
        texts.reveal_title(render.answer_text(answer)), body=solution, notes=tuple(n for n in notes if n)
    )
