"""Every user-facing text in one place: plain words, no tracebacks, no secrets."""

from __future__ import annotations

from mathbot.outcome import Vote

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
QUESTION_LOST = "mathbot lost your question before it could be answered; please ask again."
WORKER_RESTARTED = "The worker answering this question stopped; another one is starting it over."
UNDELIVERABLE = (
    "mathbot worked out an answer but could not post it here (the chat refused it). Please ask again."
)
TIMED_OUT = "This question took longer than mathbot's time limit and was stopped."
NOT_INSTALLED = "mathbot is no longer installed where this question was asked, so it was dropped."
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
    return (
        f"{who} asked for {limit} answers in the last hour, mathbot's limit (a check with several "
        "samples counts each sample); please wait a little."
    )


def question_too_many_chars(chars: int, limit: int) -> str:
    """Refusal for a paste far beyond what could fit, before any tokenization."""
    return f"This question is {chars:,} characters long; mathbot takes at most {limit:,}. Shorten it."


def too_many_samples(asked: int, limit: int) -> str:
    """Refusal when a question asks for more samples than mathbot allows."""
    return f"{asked} samples is more than mathbot draws for one question (at most {limit})."


def voting(done: int, total: int, answers: list[str]) -> str:
    """Progress line of a question asked with several samples: `Samples: 2 of 5 done · so far 70, 70`."""
    line = f"Samples: {done} of {total} done"
    return f"{line} · so far {', '.join(answers)}" if answers else line


def vote_summary(
    agree: int, samples: int, others: list[tuple[str, int]], failed: int = 0, stopped: int = 0
) -> str:
    """What the answer card says about the vote behind its answer (`others`: (answer, count), most first).

    `samples` were asked for; `stopped` of them were stopped early, once their answers could no longer
    change the winner: the counts are of the `samples - stopped` drawn, and the card says so.
    """
    drawn = samples - stopped
    named = f"{drawn} samples drawn" if stopped else f"{drawn} samples"
    if agree == 0:
        return f"None of the {named} reached a final answer."
    if agree == drawn:
        text = f"All {named} agree"
    elif agree * 2 > drawn:
        text = f"{agree} of {named} agree"
    elif others and others[0][1] == agree:
        text = f"No clear winner: {agree} of {named} gave this answer, as many as gave {others[0][0]}"
    else:
        text = f"No majority: {agree} of {named} gave this answer, more than any other"
    if others:
        text += "; other answers: " + ", ".join(f"{answer} ({count})" for answer, count in others)
    unanswered = drawn - agree - sum(count for _, count in others) - failed
    missing = [f"{unanswered} gave no final answer"] if unanswered > 0 else []
    missing += [f"{failed} failed on the server"] if failed else []
    text += (f" ({', '.join(missing)})" if missing else "") + "."
    if stopped:
        more, they = ("1 more was", "it") if stopped == 1 else (f"{stopped} more were", "they")
        text += f" {more} stopped early: {they} could not change the answer."
    return text


def tokens_used(completion_tokens: int, vote: Vote | None) -> str:
    """`1,234 tokens`, or for an answer drawn from several samples, the tokens of all of them."""
    if vote is None:
        return f"{completion_tokens:,} tokens"
    return f"{vote.tokens:,} tokens in {vote.samples} samples"


def unknown_set(name: str, available: list[str]) -> str:
    """`mathbot eval` refusing a set name it cannot find."""
    found = f"the sets found are {', '.join(available)}" if available else "no problem sets were found"
    return (
        f"There is no problem set named {name!r}: {found} (MATHBOT_DATA_DIR names their folder); "
        "or give a JSONL file of `problem` and `answer`."
    )


def unreadable_set(where: str, why: str) -> str:
    """`mathbot eval` refusing a problem file (or a results folder) it cannot use."""
    return f"Cannot use {where}: {why}."


def eval_folder_busy(path: str) -> str:
    """`mathbot eval` refusing a results folder another run is writing to."""
    return f"Another `mathbot eval` is writing to {path}: wait for it to end, or give another --out."


def eval_folder_differs(path: str, differences: str) -> str:
    """`mathbot eval` refusing to mix samples drawn with another configuration into one report."""
    return f"{path} holds samples drawn with another configuration ({differences}): give another --out."
