"""The one path of every /check (Slack, Discord, the console): the bank's official answer at once, or a
check question on the queue that a worker answers with MATHBOT_VOTE_SAMPLES samples.

A problem of the bank is graded against its official answer here, with no generation; its verdict card
comes back at once. Any other problem is put on the queue as a question with task "check" (the samples
count against the asker's limits like any vote); the worker delivers the verdict to the asker alone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import redis

from mathbot import queue
from mathbot.errors import InputError
from mathbot.jobs import Question, ReplyTarget, Sampling, Turn
from mathbot.settings import Settings
from mathbot.study import bank, cards, check, hidden, texts


@dataclass(frozen=True)
class Checked:
    """What a check led to: its verdict (`card`), or a question queued for one (`queued`, and a card
    that says the verdict is coming)."""

    card: cards.Card
    queued: str | None = None
    verdict: check.Verdict | None = None


def validate(problem: str, given: str) -> tuple[str, str]:
    """The problem and answer, stripped; `InputError` with what is missing."""
    problem, given = problem.strip(), given.strip()
    if not given:
        raise InputError(texts.CHECK_NO_ANSWER)
    if not problem:
        raise InputError(texts.CHECK_NO_PROBLEM)
    return problem, given


def official(found: bank.Problem, given: str) -> check.Verdict:
    """The verdict on `given` for a problem of the bank (no generation)."""
    return check.against_official(given, found.answer, found.source)


def check_answer(
    problem: str,
    given: str,
    target: ReplyTarget,
    settings: Settings,
    connection: redis.Redis | None,
    *,
    question_id: str | None = None,
) -> Checked:
    """Check `given` as an answer to `problem` for `target.user`, who alone will see the verdict.

    Blocking (Redis, RQ, math-verify's child process): adapters call it in a thread. Raises
    `InputError` for a missing problem or answer, and what `queue.enqueue` raises when the check may
    not be queued now (limits, the queue down). Without `connection` (the console) a bank verdict is
    not kept for "Show answer" (there is nothing to click). `question_id` names the check question
    (an adapter that must leave word for the worker before it is queued picks it)."""
    problem, given = validate(problem, given)
    found = bank.load(settings.problem_bank).find(problem)
    if found is not None:
        verdict = official(found, given)
        ref = uuid.uuid4().hex
        if connection is not None:
            secret = hidden.Hidden(
                platform=target.platform,
                channel=target.channel,
                owner=target.user,
                problem=found.problem,
                final=found.answer,
                solution=found.solution or "",
                note=texts.official_from(found.source),
            )
            hidden.keep(connection, ref, secret, settings.result_ttl)
        return Checked(cards.verdict(verdict, ref), verdict=verdict)
    if connection is None:
        raise ValueError("a check without the bank's answer needs Redis")
    question = Question(
        id=question_id or uuid.uuid4().hex,
        target=target,
        turns=[Turn(role="user", content=problem)],
        sampling=Sampling(samples=settings.vote_samples),
        task="check",
        given=given,
    )
    enqueued = queue.enqueue(question, settings, connection)
    return Checked(cards.checking(settings.vote_samples), queued=enqueued.question_id)
