"""Worker processes: one RQ worker (one generation in flight), or a pool of them.

Concurrency model: one generation per process, as RQ runs one job per worker. Each worker forks a
work horse per job, so a horse killed mid-answer (OOM, kill -9) is noticed at once by its parent,
which re-queues the question or tells the asker. `mathbot worker -n 64` runs 64 such workers
under RQ's WorkerPool, which also replaces workers that die.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from rq import Queue, Worker
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer
from rq.worker_pool import WorkerPool

from mathbot import platforms
from mathbot import queue as questions
from mathbot.settings import Settings
from workers import liveness

log = logging.getLogger(__name__)

MAINTENANCE_INTERVAL = 30
"""Seconds between a worker's sweeps for jobs abandoned by dead workers (RQ's default is 600)."""

JOB_MONITORING_INTERVAL = 10
"""Seconds between heartbeats of a busy worker."""

HEARTBEAT_GRACE = 20
"""Seconds a started job outlives its last heartbeat (RQ uses 60): a lost worker's job counts as
abandoned ~30 s after the worker died, and the next sweep (≤ 30 s later) retries it or tells the asker."""

WORKER_TTL = 60
"""Seconds a worker's registration outlives its heartbeat; idle workers wake every WORKER_TTL - 15 s."""


class MathbotWorker(Worker):
    """RQ's forking worker, JSON payloads, quick sweeps, and the asker told when a job dies."""

    def __init__(self, queues: Any, *args: Any, **kwargs: Any) -> None:
        kwargs["serializer"] = JSONSerializer
        # Always JSON queues: RQ's WorkerPool builds each worker's queues as plain `Queue(name)` (pickle)
        # and passes `queue_class=Queue`; the registry sweeps then read job payloads with pickle and
        # cannot tell the asker about a question whose worker died.
        kwargs["queue_class"] = questions.QuestionQueue
        kwargs.setdefault("maintenance_interval", MAINTENANCE_INTERVAL)
        kwargs.setdefault("job_monitoring_interval", JOB_MONITORING_INTERVAL)
        kwargs.setdefault("worker_ttl", WORKER_TTL)
        super().__init__(_json_queues(queues, kwargs.get("connection")), *args, **kwargs)
        liveness.use_redis_clock(self.connection)  # in every worker process, however it was started

    def execute_job(self, job: Job, queue: Any) -> None:
        """Run only mathbot's own jobs (`mathbot.queue.JOB_FUNCTIONS`): any other is failed here, in the
        worker, before a work horse could import or call it; nobody is told (no asker asked it)."""
        if questions.is_own_job(job):
            super().execute_job(job, queue)
            return
        reason = "not one of mathbot's job functions: failed without running it"
        log.warning("job=%s names %.200r, %s", job.id, _named(job), reason)
        with self.connection.pipeline() as pipe:
            job.set_status(JobStatus.FAILED, pipeline=pipe)
            queue.failed_job_registry.add(job, ttl=job.failure_ttl, exc_string=reason, pipeline=pipe)
            pipe.lrem(queue.intermediate_queue_key, 1, job.id)
            pipe.execute()

    def get_heartbeat_ttl(self, job: Job) -> int:
        """Until the next heartbeat, plus the grace; never less than the grace, also past the job
        timeout (RQ lets a horse run 60 s beyond it before killing it: that is not an abandoned job)."""
        remaining = (
            job.timeout - self.current_job_working_time if job.timeout else self.job_monitoring_interval
        )
        return int(max(0, min(remaining, self.job_monitoring_interval))) + HEARTBEAT_GRACE

    def maintain_heartbeats(self, job: Job) -> None:
        """Also sweep for abandoned jobs while busy: under load every worker is busy, and RQ only
        sweeps between jobs, so a dead worker's question would wait for a free one."""
        super().maintain_heartbeats(job)
        if self.should_run_maintenance_tasks:
            try:
                self.run_maintenance_tasks()
            except Exception:
                log.warning("maintenance while busy failed", exc_info=True)

    def fork_work_horse(self, job: Job, queue: Any) -> None:
        self._parent_pid = os.getpid()
        super().fork_work_horse(job, queue)

    def setup_work_horse_signals(self) -> None:
        """In the horse: also die with the worker (an orphaned horse would edit a question RQ started
        again elsewhere)."""
        super().setup_work_horse_signals()
        liveness.die_with_parent(getattr(self, "_parent_pid", os.getppid()))

    def handle_job_failure(
        self, job: Job, queue: Any, started_job_registry: Any = None, exc_string: str = ""
    ) -> None:
        super().handle_job_failure(
            job, queue, started_job_registry=started_job_registry, exc_string=exc_string
        )
        from workers import answer, study  # the job modules load the inference client: only here

        status = job.get_status(refresh=True)
        if status == JobStatus.STOPPED:
            return  # cancelled on purpose: the canceller already told the asker
        after_failure = study.after_failure if _named(job) in study.FUNCTIONS else answer.after_failure
        after_failure(
            job, will_retry=status in (JobStatus.QUEUED, JobStatus.SCHEDULED), reason=exc_string[:200]
        )


def _named(job: Job) -> str:
    try:
        return job.func_name or ""
    except Exception:
        return "an unreadable payload"


def _json_queues(queues: Any, connection: Any) -> list[questions.QuestionQueue]:
    """The queues (names or Queue objects, one or many) as JSON-serialising QuestionQueues."""
    found = [queues] if isinstance(queues, str | Queue) else list(queues)
    out = []
    for queue in found:
        if isinstance(queue, questions.QuestionQueue):
            out.append(queue)
        elif isinstance(queue, Queue):
            out.append(questions.QuestionQueue(queue.name, connection=connection or queue.connection))
        else:
            out.append(questions.QuestionQueue(str(queue), connection=connection))
    return out


def preload() -> None:
    """Import the job and every platform's Reply before forking: each work horse then starts at once
    and shares those pages with its parent (copy-on-write) instead of importing them per job."""
    import workers.answer
    import workers.study  # noqa: F401

    platforms.preload()


def run(settings: Settings, *, burst: bool = False, processes: int = 1) -> None:
    """Run `processes` workers on the question queue until stopped (or, with `burst`, until it is empty)."""
    preload()
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        log.error("HF_HUB_OFFLINE is set: huggingface_hub then refuses to call TGI_URL too; unset it")
    connection = questions.connect(settings)
    level = settings.log_level.upper()
    if processes > 1:
        pool = WorkerPool(
            [settings.queue],
            connection=connection,
            num_workers=processes,
            worker_class=MathbotWorker,
            queue_class=questions.QuestionQueue,
            serializer=JSONSerializer,
        )
        pool.start(burst=burst, logging_level=level)
        return
    worker = MathbotWorker([questions.question_queue(settings, connection)], connection=connection)
    # with_scheduler: RQ's scheduler (one per queue, whichever worker holds its lock) moves jobs due
    # by `enqueue_at` onto the queue: the problem of the day and practice deadlines (mathbot.study).
    worker.work(burst=burst, logging_level=level, with_scheduler=True)
