"""Every user-facing text in one place: plain words, no tracebacks, no secrets."""

from __future__ import annotations

EMPTY_QUESTION = (
    "There is no problem in your message. Write the problem after the mention, e.g. `@mathbot Find …`."
)
CANCELLED = "Cancelled: this question was stopped at the asker's request."
SERVER_DOWN = "The math model's server is not reachable right now."
SERVER_FAILING = "The math model's server failed while answering."
SERVER_OVERLOADED = "The math model's server is overloaded right now."
SERVER_TIMEOUT = "The math model's server stopped responding."
SERVER_AUTH = "The math model's server refused mathbot's credentials; an operator needs to fix the API key."
SERVER_MISCONFIGURED = (
    "mathbot is misconfigured and cannot reach its math model; an operator needs to fix it."
)
SERVER_REJECTED = "The math model's server rejected the request."
SERVER_BUDGET = (
    "The math model's server refused the request's length even after mathbot recounted it; an operator "
    "needs to check that MATHBOT_MAX_TOTAL_TOKENS matches the server's limit."
)
QUEUE_DOWN = "mathbot could not queue your question (its queue is unreachable). Please try again in a minute."
WORKER_LOST = "The worker answering this question stopped unexpectedly and it could not be finished."
WORKER_RESTARTED = "The worker answering this question stopped; another one is starting it over."
TIMED_OUT = "This question took longer than mathbot's time limit and was stopped."
BUSY = "mathbot is very busy right now (its queue is full). Please ask again in a few minutes."
TRUNCATED = (
    "The model ran out of room before giving a final answer (it used its whole token budget), "
    "so there is no answer to report. Asking again often works: each attempt samples differently."
)


def question_too_long(tokens: int, limit: int) -> str:
    """The refusal for a prompt over the input budget, with the numbers."""
    return (
        f"This question is too long for the model: it takes about {tokens:,} tokens and at most "
        f"{limit:,} fit while leaving room for the answer. Shorten it or split it into parts."
    )


def retrying(reason: str, attempt: int, attempts: int, wait: float) -> str:
    """Progress detail while the worker backs off from a failing server."""
    return f"{reason} Retrying in {wait:.0f} s (attempt {attempt + 1} of {attempts})."


def gave_up(reason: str, attempts: int) -> str:
    """The final error after the retry budget is spent."""
    return f"{reason} mathbot tried {attempts} times and gave up; please ask again later."


def queued(position: int) -> str:
    """The placeholder text right after enqueueing."""
    ahead = "next in line" if position <= 1 else f"position {position} in the queue"
    return f"Queued: {ahead}. Answers take one to three minutes."


def dropped_turns(count: int) -> str:
    """The note shown when old thread turns were left out to fit the token budget."""
    plural = "message" if count == 1 else "messages"
    return f"Note: the {count} oldest {plural} of this thread were left out to fit the model's context."


def too_many_in_flight(scope: str, limit: int) -> str:
    """Refusal when an asker (or a channel) already has `limit` questions being answered."""
    who = "You already have" if scope == "user" else "This channel already has"
    plural = "question" if limit == 1 else "questions"
    return f"{who} {limit} {plural} being answered; ask again when one is done (or cancel one)."


def too_many_per_hour(scope: str, limit: int) -> str:
    """Refusal when the hourly allowance is spent."""
    who = "You have" if scope == "user" else "This channel has"
    return f"{who} asked {limit} questions in the last hour, mathbot's limit; please wait a little."


def question_too_many_chars(chars: int, limit: int) -> str:
    """Refusal for a paste far beyond what could fit, before any tokenization."""
    return f"This question is {chars:,} characters long; mathbot takes at most {limit:,}. Shorten it."
