"""Typed, JSON-serialised job payloads: what an adapter puts on the queue and a worker re-validates."""

from __future__ import annotations

import re
import time
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mathbot import defaults, platforms

Role = Literal["user", "assistant"]

Task = Literal["answer", "check", "solution"]
"""What a question's answer is for: "answer" posts it (hidden in a study-mode channel); "check" grades
the asker's own answer (`Question.given`) against it and tells only the asker; "solution" keeps it as
the worked solution of a practice problem (`Question.ref`), revealed with its answer later."""


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Text as a model should see it: no control characters or NULs from pasted binary, \n line ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


class Turn(BaseModel):
    """One message of the conversation, oldest first; the last one is the question."""

    model_config = ConfigDict(frozen=True)

    role: Role
    content: str

    @field_validator("content")
    @classmethod
    def _clean(cls, value: str) -> str:
        return clean_text(value)


class ReplyTarget(BaseModel):
    """Where the answer goes: enough for a worker to reach the chat without the adapter."""

    model_config = ConfigDict(frozen=True)

    platform: str
    """A name registered in `mathbot.platforms`."""
    channel: str
    """Slack channel id, Discord channel or thread id, or the console's event stream key."""
    thread: str | None = None
    """Slack thread_ts or Discord thread id the answer goes in (None: the channel/DM itself)."""
    placeholder: str | None = None
    """Id (Slack ts, Discord message id) of the "queued…" message the worker edits."""
    user: str | None = None
    """Platform id of the person who asked (for cancellation and limits; never pinged)."""
    team: str | None = None
    """Slack workspace or Discord guild id, for per-workspace rate budgets (and, for Slack installed
    through "Add to Slack", the workspace whose bot token answers)."""
    enterprise: str | None = None
    """Slack Enterprise Grid org id of `team`, if any: an org-wide install answers for all its workspaces."""
    conversation: str | None = None
    """Where the chat has no thread for a question (a Discord DM), the id that ties it to its follow-ups:
    the first question's message id. None: the thread (or the channel) is the conversation."""

    @field_validator("platform")
    @classmethod
    def _registered(cls, value: str) -> str:
        if value not in platforms.PLATFORMS:
            raise ValueError(f"unknown platform {value!r} (registered: {', '.join(platforms.PLATFORMS)})")
        return value


class Sampling(BaseModel):
    """Per-request overrides of the sampling settings (None: use the settings)."""

    model_config = ConfigDict(frozen=True)

    temperature: float | None = Field(None, gt=0)
    top_p: float | None = Field(None, gt=0, lt=1)
    seed: int | None = None
    max_tokens: int | None = Field(None, gt=0)
    samples: int = Field(1, ge=1, le=defaults.SAMPLES_LIMIT)
    """Independent samples to draw; above 1 the answer is the majority's (self-consistency)."""


class Question(BaseModel):
    """A question on the queue. `id` is also the RQ job id, so one question is one job."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    target: ReplyTarget
    turns: list[Turn]
    asked_at: float = Field(default_factory=time.time)
    sampling: Sampling = Sampling()
    task: Task = "answer"
    given: str | None = Field(None, max_length=defaults.MAX_GIVEN_CHARS)
    """The asker's own answer (task "check")."""
    ref: str | None = None
    """The study record the result belongs to (task "solution": the practice problem's id)."""

    @property
    def text(self) -> str:
        """The question itself: the last user turn."""
        return next((t.content for t in reversed(self.turns) if t.role == "user"), "")
