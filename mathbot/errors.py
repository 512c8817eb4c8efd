"""The one error root, and the pure mapping of server errors onto what to do about them.

MathbotError                    everything mathbot raises on purpose; `.user_message` is safe to show
├── InputError                  the question cannot be answered as asked: tell the user, do not retry
│   ├── EmptyQuestion
│   └── QuestionTooLong
├── ServerError                 the inference server failed
│   ├── ServerUnavailable       connection refused, 5xx, dead mid-stream   (retryable)
│   ├── ServerOverloaded        429 / overloaded                            (retryable)
│   ├── ServerTimeout           no byte within the HTTP timeout             (retryable)
│   └── ServerRejected          422 and other 4xx: our request is wrong     (give up)
│       └── BudgetRejected      prompt + max_tokens over the server's limit (re-fit once, then give up)
├── Cancelled                   the asker cancelled the question
├── TimedOut                    the question ran past mathbot's time limit (MATHBOT_JOB_TIMEOUT)
├── WorkerLost                  the worker answering it died, and it will not be started again
├── QuestionLost                its job vanished from Redis before a worker took it (evicted)
├── Undeliverable               an answer exists but the chat refused the final message
├── NotInstalled                the chat no longer lets mathbot in there (uninstalled): drop the question
├── Reported                    the question ended in an error its asker was told: the RQ job fails, once
└── QueueError                  Redis is unreachable or the queue refuses more work
    ├── LimitReached            the asker or the channel has too many questions in flight or this hour
    └── Busy                    the queue is full: back off

`retryable` says whether the worker retries the server on its own; `asking_again_helps` whether the
asker may usefully ask again ("Try again" buttons, the console's exit code).
"""

from __future__ import annotations

import re

from mathbot import messages
from mathbot.logs import scrub_credentials


class MathbotError(Exception):
    """Root of mathbot's errors; `user_message` is plain words, free of secrets and tracebacks."""

    retryable = False
    """The worker retries this failure of the server by itself (with backoff)."""

    asking_again_helps = True
    """Asking the same question again may succeed (a "Try again" button is offered)."""

    def __init__(self, user_message: str, *, detail: str = "") -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.detail = scrub_credentials(detail)
        """Extra context for logs (never shown to users), without credentials (a server may echo them)."""


class InputError(MathbotError):
    """The question itself is the problem: tell the asker, never retry."""

    asking_again_helps = False


class EmptyQuestion(InputError):
    def __init__(self) -> None:
        super().__init__(messages.EMPTY_QUESTION)


class QuestionTooLong(InputError):
    def __init__(self, tokens: int, limit: int, message: str = "") -> None:
        super().__init__(message or messages.question_too_long(tokens, limit))
        self.tokens, self.limit = tokens, limit


class ServerError(MathbotError):
    """The inference server failed."""


class ServerUnavailable(ServerError):
    retryable = True


class ServerOverloaded(ServerError):
    retryable = True


class ServerTimeout(ServerError):
    retryable = True


class ServerRejected(ServerError):
    """A 4xx other than 429: retrying the same request cannot help."""


class BudgetRejected(ServerRejected):
    """The server refused the request's length (TGI: 422, vLLM: 400): its token count of the prompt or
    its limits differ from ours. Carries the server's own numbers, so the prompt can be fitted again."""

    def __init__(
        self,
        user_message: str,
        *,
        detail: str = "",
        prompt_tokens: int,
        max_total: int | None = None,
        max_input: int | None = None,
    ) -> None:
        super().__init__(user_message, detail=detail)
        self.prompt_tokens = prompt_tokens
        """The prompt's length as the server counted it."""
        self.max_total = max_total
        """The server's prompt + answer limit, when it said so."""
        self.max_input = max_input
        """The server's prompt limit, when that is what it refused."""


class Cancelled(MathbotError):
    asking_again_helps = False

    def __init__(self) -> None:
        super().__init__(messages.CANCELLED)


class TimedOut(MathbotError):
    """The job's time limit (RQ's job timeout) ended the question."""

    def __init__(self) -> None:
        super().__init__(messages.TIMED_OUT)


class WorkerLost(MathbotError):
    """The worker answering the question died, and RQ will not run it again."""

    def __init__(self) -> None:
        super().__init__(messages.WORKER_LOST)


class QuestionLost(MathbotError):
    """The question's job vanished from Redis before a worker took it (a Redis that evicts keys): its
    id was still on the queue, the job hash with its payload was gone."""

    def __init__(self) -> None:
        super().__init__(messages.QUESTION_LOST)


class Undeliverable(MathbotError):
    """The answer exists, but the chat refused every try of the final message."""

    def __init__(self) -> None:
        super().__init__(messages.UNDELIVERABLE)


class NotInstalled(MathbotError):
    """mathbot has no token for the question's workspace any more (the app was uninstalled, or its token
    revoked): nobody can be told, and trying again cannot help, so the question is dropped."""

    asking_again_helps = False


class Reported(MathbotError):
    """Raised out of an RQ job whose question ended in an error already delivered to its asker (server
    down, time limit, too long...), so that RQ records the job as failed, as it is, rather than finished.
    The worker neither retries it nor tells the asker again (`workers.run.MathbotWorker`)."""

    asking_again_helps = False

    def __init__(self, error: MathbotError) -> None:
        super().__init__(error.user_message, detail=f"{type(error).__name__}: {error.detail}".rstrip(": "))
        self.error = error

    def __str__(self) -> str:
        return f"the asker was told: {self.detail}"


class QueueError(MathbotError):
    """Redis is unreachable or the queue refuses more work."""


class LimitReached(QueueError):
    """The asker or the channel has too many questions in flight or this hour."""


class Busy(QueueError):
    """The queue is full: back off instead of growing an unbounded backlog."""


def from_http(status: int | None, body: str = "") -> ServerError:
    """Map an inference server's HTTP status (None: no response at all) and body to an error.

    Pure, so every client path (streaming, non-streaming, tokenize) shares one policy.
    """
    text = body.strip()[:300]
    low = text.lower()
    if status is None:
        return ServerUnavailable(messages.SERVER_DOWN, detail=text)
    if status == 429 or "overloaded" in low:
        return ServerOverloaded(messages.SERVER_OVERLOADED, detail=text)
    if status in (408, 504):
        return ServerTimeout(messages.SERVER_TIMEOUT, detail=text)
    if status >= 500:
        return ServerUnavailable(messages.SERVER_FAILING, detail=f"{status}: {text}")
    if status in (401, 403):
        return ServerRejected(messages.SERVER_AUTH, detail=f"{status}: {text}")
    if status in (400, 422):
        rejected = budget_rejection(body)
        if rejected is not None:
            return rejected
    return ServerRejected(messages.SERVER_REJECTED, detail=f"{status}: {text}")


_TGI_TOTAL = re.compile(r"must be <= (\d+)\. Given: (\d+) `inputs` tokens and (\d+) `max_new_tokens`")
_TGI_INPUT = re.compile(r"`inputs` must have less than (\d+) tokens\. Given: (\d+)")
_VLLM_TOTAL = re.compile(r"maximum context length is (\d+) tokens")
_VLLM_PROMPT = re.compile(r"(\d+) in the messages|request has (\d+) input tokens")


def budget_rejection(body: str) -> BudgetRejected | None:
    """A `BudgetRejected` if the error body is a length refusal (TGI's validation messages, or
    vLLM's "maximum context length"), with the server's numbers; None otherwise."""
    detail = body.strip()[:300]
    if match := _TGI_TOTAL.search(body):
        total, prompt, _ = (int(g) for g in match.groups())
        return BudgetRejected(messages.SERVER_REJECTED, detail=detail, prompt_tokens=prompt, max_total=total)
    if match := _TGI_INPUT.search(body):
        limit, prompt = (int(g) for g in match.groups())
        return BudgetRejected(messages.SERVER_REJECTED, detail=detail, prompt_tokens=prompt, max_input=limit)
    total_match, prompt_match = _VLLM_TOTAL.search(body), _VLLM_PROMPT.search(body)
    if total_match and prompt_match:
        prompt = int(next(g for g in prompt_match.groups() if g is not None))
        return BudgetRejected(
            messages.SERVER_REJECTED, detail=detail, prompt_tokens=prompt, max_total=int(total_match.group(1))
        )
    return None
