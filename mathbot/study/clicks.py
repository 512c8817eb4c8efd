"""A click on a study card's button, and the answer typed into the form a button opens: one dispatcher
for every platform. The adapter says who clicked where; it gets back a private card to show the clicker,
or a form to open (an answer to type), and after the form, the verdict and any public line.

A button's ref names a practice problem or a hidden answer (a check's, a study-mode answer's); what a
click may reveal is decided by `hidden.reveal` and `practice` (the channel must match; a check's answer
is its asker's alone). Blocking (Redis, math-verify's child): adapters call these in a thread.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from mathbot import threads
from mathbot.errors import MathbotError
from mathbot.jobs import ReplyTarget
from mathbot.settings import Settings
from mathbot.study import cards, checking, hidden, practice, solving, texts


@dataclass(frozen=True)
class Who:
    """Who clicked, where: the platform, the channel (a Discord thread's parent), the thread the card is
    in, the person and their display name, their workspace or server."""

    platform: str
    channel: str
    user: str
    name: str = ""
    thread: str | None = None
    team: str | None = None
    enterprise: str | None = None


@dataclass(frozen=True)
class Form:
    """Ask the clicker for an answer: `kind` is "submit" (a practice problem) or "check"; `problem` is
    shown above the field."""

    kind: str
    ref: str
    title: str
    problem: str


@dataclass(frozen=True)
class Clicked:
    """Show `card` to the clicker (always private), or open `form`."""

    card: cards.Card | None = None
    form: Form | None = None


@dataclass(frozen=True)
class Answered:
    """After a form: the verdict for the submitter (private), a public line for the thread (a new solve,
    never the answer), and the id of a check queued for a verdict to come."""

    card: cards.Card
    public: str | None = None
    thread: str | None = None
    """Where `public` goes: the practice problem's thread."""
    queued: str | None = None


def click(connection: redis.Redis, settings: Settings, ref: str, kind: str, who: Who) -> Clicked:
    """What a click on button `kind` of the card `ref` does for `who`."""
    found = practice.load(connection, ref)
    if found is not None:
        if kind == "submit":
            return Clicked(form=Form("submit", ref, texts.SUBMIT_TITLE, found.problem))
        if kind == "giveup":
            card = solving.give_up(connection, ref, platform=who.platform, channel=who.channel, user=who.user)
            return Clicked(card)
        if kind == "hint":
            return Clicked(
                solving.hint(
                    connection,
                    ref,
                    platform=who.platform,
                    channel=who.channel,
                    user=who.user,
                    ttl=_keep(settings),
                )
            )
        return Clicked(cards.notice(texts.REVEAL_GONE))
    secret = hidden.load(connection, ref)
    if secret is None:
        return Clicked(cards.notice(texts.REVEAL_GONE))
    if kind == "check":
        if secret.platform != who.platform or secret.channel != who.channel:
            return Clicked(cards.notice(texts.REVEAL_ELSEWHERE))
        return Clicked(form=Form("check", ref, texts.CHECK_TITLE, secret.problem))
    if kind in ("hint", "answer", "solution"):
        card = hidden.reveal(
            connection,
            ref,
            kind,  # type: ignore[arg-type]
            platform=who.platform,
            channel=who.channel,
            user=who.user,
            ttl=settings.result_ttl,
        )
        return Clicked(card)
    return Clicked(cards.notice(texts.REVEAL_GONE))


def answered(
    connection: redis.Redis,
    settings: Settings,
    form: Form,
    given: str,
    who: Who,
    *,
    question_id: str | None = None,
) -> Answered:
    """The answer typed into `form`: a practice submission graded at once, or a check (at once against
    the bank, else queued: its verdict comes from the worker)."""
    if form.kind == "submit":
        done = solving.submit(
            connection,
            settings,
            form.ref,
            platform=who.platform,
            channel=who.channel,
            user=who.user,
            name=who.name or who.user,
            given=given,
        )
        return Answered(done.card, public=done.solved_line, thread=done.thread)
    secret = hidden.load(connection, form.ref)
    problem = secret.problem if secret is not None else form.problem
    return check(connection, settings, problem, given, who, question_id=question_id)


def check(
    connection: redis.Redis,
    settings: Settings,
    problem: str,
    given: str,
    who: Who,
    *,
    question_id: str | None = None,
) -> Answered:
    """`/check`: in a practice problem's thread it is a submission to it; elsewhere the answer is checked
    (`checking.check_answer`). Refusals (limits, the queue) come back as a private card."""
    if who.thread:
        found = practice.at_thread(connection, who.platform, who.thread)
        if found is not None:
            return answered(
                connection, settings, Form("submit", found.id, texts.SUBMIT_TITLE, found.problem), given, who
            )
    if not problem.strip() and who.thread:  # the problem asked in this thread
        asked = threads.history(connection, threads.thread_key(who.platform, who.channel, who.thread))
        problem = next((turn.content for turn in asked if turn.role == "user"), "")
    target = ReplyTarget(
        platform=who.platform,
        channel=who.channel,
        thread=who.thread,
        user=who.user,
        team=who.team,
        enterprise=who.enterprise,
    )
    try:
        checked = checking.check_answer(problem, given, target, settings, connection, question_id=question_id)
    except MathbotError as exc:
        return Answered(cards.notice(exc.user_message))
    return Answered(checked.card, queued=checked.queued)


def _keep(settings: Settings) -> int:
    return max(settings.result_ttl, settings.practice_deadline + practice.KEEP_AFTER_DEADLINE)
