"""One answer: fit the prompt, stream the completion with retries, report throttled progress."""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from mathbot import defaults, errors, extract, messages, metrics
from mathbot.jobs import Question
from mathbot.logs import scrub_credentials
from mathbot.outcome import Answer, Progress
from mathbot.prompt import Counter, fit
from mathbot.settings import Settings
from workers.inference import InferenceServer, Params

log = logging.getLogger(__name__)

SNIPPET_CHARS = 600
"""Characters of recent reasoning handed to the reply for its progress snippet."""


class Throttle:
    """Lets a call through at most once per `interval` seconds (the first always passes)."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval, self.clock, self.last = interval, clock, float("-inf")

    def ready(self) -> bool:
        now = self.clock()
        if now - self.last >= self.interval:
            self.last = now
            return True
        return False


def seed_for(requested: int | None, configured: int | None) -> int:
    """The question's seed, else MATHBOT_SEED (0 included), else a fresh random one."""
    if requested is not None:
        return requested
    return configured if configured is not None else random.randrange(2**31)


def backoff(attempt: int, base: float, cap: float, rand: Callable[[], float] = random.random) -> float:
    """Exponential backoff with full jitter's upper half: base·2^attempt, in [½, 1] of it, capped."""
    ceiling = min(cap, base * 2**attempt)
    return ceiling * (0.5 + 0.5 * rand())


@dataclass
class Fitting:
    """What a prompt is fitted against: the server's limits as far as we know them, and a factor on our
    token counts once the server has told us its own count (after a length refusal)."""

    max_total: int
    max_input: int | None = None
    scale: float = 1.0
    corrected: bool = False
    sent: int = 0
    """Prompt tokens counted (scaled) for the last request sent."""

    def counter(self, server: InferenceServer) -> Counter:
        return lambda msgs: math.ceil(server.count(msgs) * self.scale)

    def corrected_by(self, rejection: errors.BudgetRejected) -> Fitting:
        """The fitting that respects what the server said; never counts lower than before."""
        ratio = rejection.prompt_tokens / self.sent if self.sent else 1.0
        return Fitting(
            max_total=min(self.max_total, rejection.max_total or self.max_total),
            max_input=rejection.max_input if rejection.max_input is not None else self.max_input,
            scale=self.scale * max(1.0, ratio),
            corrected=True,
        )


def generate(
    question: Question,
    server: InferenceServer,
    on_progress: Callable[[Progress], None],
    settings: Settings,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Answer:
    """Answer `question`, retrying retryable server failures with backoff.

    Raises `InputError` (too long, empty) before any generation request, and `ServerError`
    once the retry budget is spent. A length refusal by the server (our token count was off, or its
    limits are not ours) is fitted again at once with the server's numbers, a single time.
    """
    started = clock()
    attempts = settings.server_retries + 1
    fitting = Fitting(settings.max_total_tokens)
    attempt = 0
    while True:
        try:
            return _attempt(question, server, on_progress, settings, started, clock, fitting)
        except errors.BudgetRejected as exc:
            log.warning(
                "question=%s the server refused the length (we counted %d prompt tokens): %s",
                question.id,
                fitting.sent,
                exc.detail,
            )
            if fitting.corrected:
                raise errors.ServerRejected(messages.SERVER_BUDGET, detail=exc.detail) from exc
            fitting = fitting.corrected_by(exc)
            metrics.retried(exc)
        except errors.ServerError as exc:
            log.warning(
                "question=%s attempt=%d on server %s failed: %s %s",
                question.id,
                attempt + 1,
                scrub_credentials(server.base_url),
                type(exc).__name__,
                exc.detail,
            )
            if not exc.retryable:
                raise
            attempt += 1
            if attempt == attempts:
                detail = f"{server.base_url}: {exc.detail}"  # the error's own log line names the server
                raise type(exc)(messages.gave_up(exc.user_message, attempts), detail=detail) from exc
            metrics.retried(exc)
            wait = backoff(attempt - 1, settings.retry_backoff, defaults.RETRY_BACKOFF_MAX)
            detail = messages.retrying(exc.user_message, attempt, attempts, wait)
            on_progress(Progress("retrying", elapsed=clock() - started, detail=detail))
            sleep(wait)


def _attempt(
    question: Question,
    server: InferenceServer,
    on_progress: Callable[[Progress], None],
    settings: Settings,
    started: float,
    clock: Callable[[], float],
    fitting: Fitting,
) -> Answer:
    budget = fit(
        question.turns,
        fitting.counter(server),
        fitting.max_total,
        settings.min_answer_tokens,
        fitting.max_input,
    )
    fitting.sent = budget.prompt_tokens
    sampling = question.sampling
    params = Params(
        max_tokens=min(budget.max_tokens, sampling.max_tokens or budget.max_tokens),
        temperature=sampling.temperature or settings.temperature,
        top_p=sampling.top_p or settings.top_p,
        seed=seed_for(sampling.seed, settings.seed),
    )
    log.info(
        "question=%s prompt_tokens=%d max_tokens=%d seed=%d dropped_turns=%d",
        question.id,
        budget.prompt_tokens,
        params.max_tokens,
        params.seed,
        budget.dropped_turns,
    )
    tracker = extract.StreamTracker()
    throttle = Throttle(settings.progress_interval, clock)
    tokens, finish, usage_tokens = 0, "", None
    thinking_done: float | None = None
    on_progress(Progress("thinking", elapsed=clock() - started))
    throttle.ready()
    sent = clock()
    for delta in server.stream(budget.messages, params):
        if delta.content or delta.reasoning:
            tokens += 1
            if tokens == 1:
                first = clock() - sent
                log.info("question=%s first token after %.3f s", question.id, first)
                metrics.first_token(first)
            tracker.feed(delta.content, delta.reasoning)
            if thinking_done is None and tracker.answering:
                thinking_done = clock() - started
        finish = delta.finish_reason or finish
        usage_tokens = delta.completion_tokens or usage_tokens
        if throttle.ready():
            on_progress(
                Progress(tracker.phase, tokens, clock() - started, tracker.recent_reasoning(SNIPPET_CHARS))
            )
    if not finish:
        raise errors.ServerUnavailable(messages.SERVER_FAILING, detail="stream ended without a finish reason")
    elapsed = clock() - started
    ended = extract.conclude(tracker.result(), finish)
    metrics.generated(elapsed, usage_tokens or tokens)
    return Answer(
        question=question.text,
        reasoning=ended.reasoning,
        solution=ended.solution,
        final=ended.final,
        truncated=ended.truncated,
        finish_reason=finish,
        prompt_tokens=budget.prompt_tokens,
        completion_tokens=usage_tokens or tokens,
        thinking_seconds=thinking_done if thinking_done is not None else elapsed,
        elapsed=elapsed,
        model=settings.model,
        dropped_turns=budget.dropped_turns,
    )
