"""Study mode per channel: answers there hide the answer behind Hint / Show answer / Show solution.

A channel is in study mode when MATHBOT_STUDY_CHANNELS names it (an operator's preset, which no command
changes), or when a manager switched it on (`/mathbot study on`: Slack workspace admins and owners,
Discord members with Manage Channels; the platforms say who is one). Kept in Redis for good
(`keys.STUDY` `mode:<platform>:<channel>`). The worker asks at the start of each answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from mathbot import keys, platforms, present
from mathbot.jobs import Question
from mathbot.outcome import Answer
from mathbot.settings import Settings
from mathbot.study import cards, hidden, texts


def _key(platform: str, channel: str) -> str:
    return f"{keys.STUDY}mode:{platform}:{channel}"


def preset(settings: Settings, platform: str, channel: str) -> bool:
    """Whether MATHBOT_STUDY_CHANNELS names the channel (as `<id>` or `<platform>:<id>`)."""
    return channel in settings.study_channels or f"{platform}:{channel}" in settings.study_channels


def is_study(connection: redis.Redis, settings: Settings, platform: str, channel: str) -> bool:
    """Whether answers in this channel are hidden (a Discord thread counts as its parent channel: the
    caller passes the channel, not the thread)."""
    if preset(settings, platform, channel):
        return True
    return connection.get(_key(platform, channel)) in (b"1", "1")


@dataclass(frozen=True)
class Switched:
    """What `/mathbot study on|off` led to: the words, and whether the channel should see them (a
    change) or only the person who asked (a refusal, nothing to change)."""

    text: str
    public: bool


def switch(
    connection: redis.Redis,
    settings: Settings,
    platform: str,
    channel: str,
    on: bool,
    *,
    allowed: bool,
    managers: str,
) -> Switched:
    """Switch study mode for a manager (`allowed`); `managers` names who may, for a refusal."""
    if not allowed:
        return Switched(texts.not_allowed(managers), public=False)
    if preset(settings, platform, channel):
        return Switched(texts.STUDY_PRESET if not on else texts.STUDY_ALREADY_ON, public=False)
    before = connection.getset(_key(platform, channel), "1" if on else "0")
    if (before in (b"1", "1")) == on:
        return Switched(texts.STUDY_ALREADY_ON if on else texts.STUDY_ALREADY_OFF, public=False)
    return Switched(texts.study_status(on), public=True)


def hides(connection: redis.Redis, settings: Settings, question: Question) -> bool:
    """Whether this question's answer is to be hidden: asked in a chat channel in study mode."""
    target = question.target
    if question.task != "answer" or not platforms.get(target.platform).chat:
        return False
    return is_study(connection, settings, target.platform, target.channel)


def hidden_answer(
    connection: redis.Redis, settings: Settings, question: Question, answer: Answer
) -> cards.Card:
    """A study-mode answer: kept hidden (revealable by anyone in the channel, each for themselves), and
    the card that says it is ready, with how sure mathbot is but none of the samples' answers."""
    final = None if answer.truncated else answer.final
    vote = answer.vote
    note = texts.agreement(vote.agree, vote.samples - vote.stopped, vote.stopped) if vote else ""
    secret = hidden.Hidden(
        platform=question.target.platform,
        channel=question.target.channel,
        problem=question.text,
        final=final,
        solution=answer.solution,
        reasoning=answer.reasoning,
        note=note,
        tokens=vote.tokens if vote else answer.completion_tokens,
        seconds=answer.thinking_seconds,
    )
    hidden.keep(connection, question.id, secret, settings.result_ttl)
    notes = [n for n in (note, " · ".join(present.stats(answer))) if n]
    return cards.hidden_answer(question.id, notes, has_final=bool(final))
