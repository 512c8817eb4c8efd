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

from mathbot import errors, logs, platforms
from mathbot import queue as questions
from mathbot.settings import Settings
from workers import fleet, liveness, lost, monitor

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


class WorkerQueue(questions.QuestionQueue):
    """The question queue as a worker takes from it: an id whose job hash is gone (evicted) is reported
    to its asker (`workers.lost`) before RQ skips it, which it does without a word."""

    @classmethod
    def lmove(cls, connection: Any, queue_key: str, timeout: int | None) -> Any:
        taken = super().lmove(connection, queue_key, timeout)
        lost.check_taken(connection, taken)
        return taken

    @classmethod
    def lpop(cls, queue_keys: Any, timeout: int | None, connection: Any = None) -> Any:
        taken = super().lpop(queue_keys, timeout, connection=connection)
        lost.check_taken(connection, taken)
        return taken


class MathbotWorker(Worker):
    """RQ's forking worker, JSON payloads, quick sweeps, and the asker told when a job dies."""

    def __init__(self, queues: Any, *args: Any, **kwargs: Any) -> None:
        kwargs["serializer"] = JSONSerializer
        # Always JSON queues: RQ's WorkerPool builds each worker's queues as plain `Queue(name)` (pickle)
        # and passes `queue_class=Queue`; the registry sweeps then read job payloads with pickle and
        # cannot tell the asker about a question whose worker died.
        kwargs["queue_class"] = WorkerQueue
        kwargs.setdefault("maintenance_interval", MAINTENANCE_INTERVAL)
        kwargs.setdefault("job_monitoring_interval", JOB_MONITORING_INTERVAL)
        kwargs.setdefault("worker_ttl", WORKER_TTL)
        super().__init__(_json_queues(queues, kwargs.get("connection")), *args, **kwargs)
        liveness.use_redis_clock(self.connection)  # in every worker process, however it was started
        liveness.schedulers_die_with_workers()
        rq_log = logging.getLogger("rq.worker")
        if not any(isinstance(f, _StoppedIsNotFailed) for f in rq_log.filters):
            rq_log.addFilter(_StoppedIsNotFailed())

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

    def perform_job(self, job: Job, queue: Any) -> bool:
        """In the work horse: every log line of the job carries its question id (the job id)."""
        with logs.question_context(job.id):
            return bool(super().perform_job(job, queue))

    def handle_exception(self, job: Job, *exc_info: Any) -> None:
        """A question that ended in an error its asker was told (`errors.Reported`) already has its one
        WARNING line (which names the server): no ERROR traceback for it, only what RQ records."""
        if isinstance(exc_info[1], errors.Reported):
            self._reported = job.id
            log.info("question=%s job failed: %s", job.id, exc_info[1])
            return
        super().handle_exception(job, *exc_info)

    def handle_job_failure(
        self, job: Job, queue: Any, started_job_registry: Any = None, exc_string: str = ""
    ) -> None:
        """RQ's failure handling, but: a question cancelled while running (its horse stopped) ends
        canceled, not failed; a question that ended in an error told to its asker fails once (RQ does not
        retry it, nobody tells the asker again); any other failure (the horse killed, the time limit)
        tells the asker, or that the question starts over."""
        if job.id == self._stopped_job_id:
            log.info("question=%s cancelled: its work horse was stopped", job.id)
            self._stopped_job_id = None
            with self.connection.pipeline() as pipe:
                self.cleanup_execution(job, pipeline=pipe)
                job.cancel(pipeline=pipe)
                pipe.execute()
            return
        if job.id == getattr(self, "_reported", None):
            job.retries_left = 0
            super().handle_job_failure(job, queue, started_job_registry, exc_string)
            return
        super().handle_job_failure(
            job, queue, started_job_registry=started_job_registry, exc_string=exc_string
        )
        from workers import answer, study  # the job modules load the inference client: only here

        status = job.get_status(refresh=True)
        if status in (JobStatus.STOPPED, JobStatus.CANCELED):
            return  # cancelled on purpose: the canceller already told the asker
        after_failure = study.after_failure if _named(job) in study.FUNCTIONS else answer.after_failure
        after_failure(
            job, will_retry=status in (JobStatus.QUEUED, JobStatus.SCHEDULED), reason=exc_string[:200]
        )


class _StoppedIsNotFailed(logging.Filter):
    """RQ announces that a stopped job moves to its FailedJobRegistry; a cancelled question's job goes to
    the CanceledJobRegistry instead (`MathbotWorker.handle_job_failure`), so that line would mislead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "stopped by user, moving job to FailedJobRegistry" not in str(record.msg)


def _named(job: Job) -> str:
    try:
        return job.func_name or ""
    except Exception:
        return "an unreadable payload"


def _json_queues(queues: Any, connection: Any) -> list[WorkerQueue]:
    """The queues (names or Queue objects, one or many) as JSON-serialising WorkerQueues."""
    found = [queues] if isinstance(queues, str | Queue) else list(queues)
    out = []
    for queue in found:
        if isinstance(queue, WorkerQueue):
            out.append(queue)
        elif isinstance(queue, Queue):
            out.append(WorkerQueue(queue.name, connection=connection or queue.connection))
        else:
            out.append(WorkerQueue(str(queue), connection=connection))
    return out


def preload() -> None:
    """Import the job and every platform's Reply before forking: each work horse then starts at once
    and shares those pages with its parent (copy-on-write) instead of importing them per job."""
    import workers.answer
    import workers.study  # noqa: F401

    platforms.preload()


def run(settings: Settings, *, burst: bool = False, processes: int = 1) -> None:
    """Run `processes` workers until stopped (or, with `burst`, until the queues are empty): on the
    users' queue, then the evaluation queue (`mathbot.queue.served_queues`)."""
    preload()
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        log.error("HF_HUB_OFFLINE is set: huggingface_hub then refuses to call TGI_URL too; unset it")
    connection = questions.connect(settings)
    if len(settings.inference_urls) > 1:  # one server: nowhere else to send a generation anyway
        fleet.watch(settings)
    level = settings.log_level.upper()
    if processes > 1:
        pool = WorkerPool(
            questions.served_queues(settings),
            connection=connection,
            num_workers=processes,
            worker_class=MathbotWorker,
            queue_class=WorkerQueue,
            serializer=JSONSerializer,
        )
        with monitor.serving(settings, lambda: {w.pid for w in tuple(pool.worker_dict.values())}):
            pool.start(burst=burst, logging_level=level)
        return
    worker = MathbotWorker(questions.served_queues(settings), connection=connection)
    with monitor.serving(settings, lambda: {os.getpid()}):
        # with_scheduler: RQ's scheduler (one per queue, whichever worker holds its lock) moves jobs due
        # by `enqueue_at` onto the queue: the problem of the day and practice deadlines (mathbot.study).
        worker.work(burst=burst, logging_level=level, with_scheduler=True)
