"""Prometheus metrics: every metric mathbot exports, and one small function per event to record it.

Call sites stay one line (`metrics.question(platform, "answered")`); nothing here raises into the caller's
path. The names are the contract's (README, Metrics; deploy/prometheus and deploy/grafana use them).

`mathbot worker` is many processes (a pool of RQ workers, each forking a work horse per job), so it runs
prometheus_client's multiprocess mode: each process writes its values to files in one directory
(`mathbot.multiproc`), and the worker's GET /metrics sums them (`exposition`), after folding the files
of dead processes into one per type (`compact`). The adapters are single processes: the default registry.
Gauges of the pipeline (queue depth, live workers, servers up) are read at scrape time
(`workers.monitor`), so every worker replica reports the same fleet-wide value: dashboards take `max`.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

from mathbot import errors
from mathbot.logs import scrub_credentials
from mathbot.outcome import Answer

log = logging.getLogger(__name__)

OUTCOMES = ("answered", "truncated", "rescued", "failed", "cancelled", "refused")
"""How a question ends (`mathbot_questions_total{outcome}`): answered, truncated (no final answer within
the budget), rescued (a truncated answer saved by budget forcing), failed (an error the asker was told, or
a worker lost), cancelled (by its asker, or its workspace removed mathbot), refused (never asked: limits,
an empty or too long question)."""

QUESTIONS = Counter("mathbot_questions", "Questions by platform and how they ended.", ["platform", "outcome"])
REFUSALS = Counter("mathbot_refusals", "Questions refused, by platform and reason.", ["platform", "reason"])
QUEUE_WAIT = Histogram(
    "mathbot_queue_wait_seconds",
    "Seconds a user's question waited in the queue before a worker took it.",
    buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600),
)
FIRST_TOKEN = Histogram(
    "mathbot_time_to_first_token_seconds",
    "Seconds from a generation request to its first token (each attempt).",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120),
)
GENERATION = Histogram(
    "mathbot_generation_seconds",
    "Seconds one generation took, retries included (each sample of a vote is one).",
    buckets=(5, 15, 30, 60, 90, 120, 180, 240, 300, 450, 600, 900, 1200, 1800),
)
TOKENS = Counter("mathbot_generated_tokens", "Completion tokens of finished generations.")
RETRIES = Counter("mathbot_server_retries", "Inference requests tried again, by cause.", ["cause"])
VOTE_SAMPLES = Counter(
    "mathbot_vote_samples", "Samples of majority votes: drawn, and stopped early.", ["state"]
)
CHAT_CALLS = Counter(
    "mathbot_chat_api_calls",
    "Chat API requests (each HTTP attempt), by platform and method.",
    ["platform", "method"],
)
CHAT_RATE_LIMITED = Counter(
    "mathbot_chat_api_rate_limited", "Chat API answers 429, by platform and method.", ["platform", "method"]
)
DUPLICATES = Counter("mathbot_duplicates_dropped", "Repeated chat deliveries dropped.", ["platform"])
SIGNATURE_FAILURES = Counter(
    "mathbot_signature_failures", "Requests to the Slack endpoint refused for a bad or missing signature."
)
IN_FLIGHT = Gauge("mathbot_generations_in_flight", "Generations streaming now.", multiprocess_mode="livesum")
SERVER_IN_FLIGHT = Gauge(
    "mathbot_inference_in_flight",
    "Generations streaming now, by inference server.",
    ["server"],
    multiprocess_mode="livesum",
)


def question(platform: str, outcome: str) -> None:
    """A question ended (`OUTCOMES`)."""
    QUESTIONS.labels(platform, outcome).inc()


def answered(platform: str, answer: Answer) -> None:
    """An answer reached its asker: complete, rescued (concluded under the token limit, its reasoning
    cut short), or truncated (no final answer)."""
    question(platform, "truncated" if answer.truncated else "rescued" if answer.rescued else "answered")


def refused(platform: str, reason: str) -> None:
    """A question refused (`reason`: see `reason`); it also ends as a "refused" question."""
    REFUSALS.labels(platform, reason).inc()
    question(platform, "refused")


def reason(error: errors.MathbotError) -> str:
    """The refusal reason of an error that refused a question (pure): empty, too_long, queue_full,
    queue_unavailable, or the limit or check named in the error's detail (`mathbot.limits`: user_in_flight,
    channel_per_hour…; `mathbot.queue`: too_many_samples)."""
    if isinstance(error, errors.EmptyQuestion):
        return "empty"
    if isinstance(error, errors.QuestionTooLong):
        return "too_long"
    if isinstance(error, errors.Busy):
        return "queue_full"
    if isinstance(error, errors.LimitReached | errors.InputError):
        named = error.detail.isidentifier() and error.detail.islower()
        return error.detail if named else ("limit" if isinstance(error, errors.LimitReached) else "bad_input")
    if isinstance(error, errors.QueueError):
        return "queue_unavailable"
    return "other"


def ended_with(platform: str, error: errors.MathbotError) -> None:
    """A question ended with `error`, told to its asker: refused if the question itself was the problem."""
    if isinstance(error, errors.InputError):
        refused(platform, reason(error))
    else:
        question(platform, "failed")


def waited(enqueued_at: datetime | None) -> None:
    """A worker took a user's question that was queued at `enqueued_at` (RQ's UTC time)."""
    if enqueued_at is not None:
        since = enqueued_at if enqueued_at.tzinfo else enqueued_at.replace(tzinfo=UTC)
        QUEUE_WAIT.observe(max(0.0, (datetime.now(UTC) - since).total_seconds()))


def first_token(seconds: float) -> None:
    """The first token of an attempt arrived `seconds` after its request."""
    FIRST_TOKEN.observe(seconds)


def generated(seconds: float, tokens: int) -> None:
    """A generation finished: how long it took (retries included) and its completion tokens."""
    GENERATION.observe(seconds)
    TOKENS.inc(tokens)


def retried(error: errors.ServerError) -> None:
    """A request to the inference server is tried again after `error`."""
    RETRIES.labels(retry_cause(error)).inc()


def retry_cause(error: errors.ServerError) -> str:
    """The cause label of a retried server error (pure): overloaded (429), timeout (stalled), length (a
    length refusal fitted again), unavailable (refused, 5xx, died mid-stream)."""
    if isinstance(error, errors.BudgetRejected):
        return "length"
    if isinstance(error, errors.ServerOverloaded):
        return "overloaded"
    if isinstance(error, errors.ServerTimeout):
        return "timeout"
    return "unavailable"


def vote_samples(state: str, count: int = 1) -> None:
    """Samples of a vote were drawn (`state` "drawn"), or stopped early ("stopped")."""
    VOTE_SAMPLES.labels(state).inc(count)


def chat_call(platform: str, method: str, status: int | None) -> None:
    """One chat API request (`status` None: no response); a 429 also counts as rate limited."""
    CHAT_CALLS.labels(platform, method).inc()
    if status == 429:
        CHAT_RATE_LIMITED.labels(platform, method).inc()


def duplicate(platform: str) -> None:
    """A repeated delivery of a chat event was dropped."""
    DUPLICATES.labels(platform).inc()


def signature_failure() -> None:
    """A request to the Slack endpoint had a bad or missing signature."""
    SIGNATURE_FAILURES.inc()


def stream_opened(server: str) -> None:
    """A generation request to `server` (its URL) is streaming."""
    IN_FLIGHT.inc()
    SERVER_IN_FLIGHT.labels(scrub_credentials(server)).inc()


def stream_closed(server: str) -> None:
    """A stream opened with `stream_opened` ended (finished, failed or abandoned)."""
    IN_FLIGHT.dec()
    SERVER_IN_FLIGHT.labels(scrub_credentials(server)).dec()


# --- Exposition ---


def multiprocess_dir() -> str | None:
    """The directory of multiprocess mode, when this process runs in it."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition(*extra: Collector) -> tuple[bytes, str]:
    """The Prometheus text of this process (or, in multiprocess mode, of every process writing to the
    directory, dead ones folded in first), with `extra` collectors read now; and its content type."""
    directory = multiprocess_dir()
    if directory is None:
        registry: CollectorRegistry = REGISTRY
        if extra:
            registry = CollectorRegistry(auto_describe=False)
            registry.register(_Everything())
    else:
        compact(directory)
        registry = CollectorRegistry(auto_describe=False)
        MultiProcessCollector(registry, path=directory)
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Everything(Collector):
    """The default registry's metrics, inside another registry (beside collectors read at scrape time)."""

    def collect(self) -> Iterator[Any]:
        yield from REGISTRY.collect()


_COMPACTING = threading.Lock()

ARCHIVE = "dead"
"""The pid part of the files holding the summed counters and histograms of processes that are gone."""


def compact(directory: str, alive: Callable[[int], bool] | None = None) -> int:
    """Fold the files of dead processes into one archive file per type; returns how many were folded.

    A worker forks a work horse per job: without this the directory would gain a few files per question,
    and every scrape would read them all. Counters and histograms of a dead process are added into
    `counter_dead.db` / `histogram_dead.db` (their totals stay exact); its live gauges are removed
    (`mark_process_dead`), as its generations are over. Only one caller at a time per process (scrapes
    and the periodic sweep both call it).
    """
    alive = alive or _alive
    folded = 0
    with _COMPACTING:
        for path in sorted(glob.glob(os.path.join(directory, "*.db"))):
            kind, _, pid_part = os.path.basename(path)[: -len(".db")].rpartition("_")
            if not pid_part.isdigit() or alive(int(pid_part)):
                continue
            pid = int(pid_part)
            if kind in ("counter", "histogram"):
                _add_into(path, os.path.join(directory, f"{kind}_{ARCHIVE}.db"))
                os.remove(path)
            elif kind.startswith("gauge_"):
                mark_process_dead(pid, directory)
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path)  # a gauge mode that is not live: its process is gone all the same
            else:
                continue
            folded += 1
    return folded


def _add_into(source: str, archive: str) -> None:
    totals: dict[str, float] = defaultdict(float)
    for key, value, _, _ in MmapedDict.read_all_values_from_file(source):
        totals[key] += value
    target = MmapedDict(archive)
    try:
        for key, value in totals.items():
            if value:
                target.write_value(key, target.read_value(key)[0] + value, 0.0)
    finally:
        target.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
