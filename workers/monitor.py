"""The worker's GET /metrics and GET /health on MATHBOT_METRICS_PORT.

/metrics: every worker process's counters (multiprocess mode, `mathbot.metrics`), plus the pipeline's
gauges read at scrape time: questions waiting per queue (`mathbot_queue_depth`: the users' queue and its
`-eval` queue), live RQ workers on the users' queue (`mathbot_workers`) and whether each inference server
answers its health check (`mathbot_inference_server_up`). Read from Redis and the servers themselves,
they are the same from every worker replica: dashboards and alerts take `max`.

/health: 200 while Redis answers and at least one of this process's RQ workers is registered there.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import redis
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from rq.worker_registration import WORKERS_BY_QUEUE_KEY

from mathbot import endpoint, metrics, queue
from mathbot.endpoint import Endpoint
from mathbot.logs import scrub_credentials
from mathbot.settings import Settings

log = logging.getLogger(__name__)

PROBE_TIMEOUT = 3.0
"""Seconds an inference server's /health may take before it counts as down (scrapes time out at 10 s)."""

COMPACT_SECONDS = 60.0
"""How often the files of finished work horses are folded together, scraped or not."""

Pids = Callable[[], set[int]]
"""The pids of this process's RQ workers (the pool's children, or the process itself)."""


class Pipeline(Collector):
    """Queue depth, live workers and inference servers up, read when Prometheus scrapes."""

    def __init__(self, settings: Settings, connection: redis.Redis) -> None:
        self.settings, self.connection = settings, connection
        self.queues = (settings.queue, queue.eval_queue_name(settings))
        self.servers = [url.strip().rstrip("/") for url in settings.tgi_url.split(",") if url.strip()]
        key = settings.tgi_api_key.get_secret_value() if settings.tgi_api_key else None
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def collect(self) -> Iterator[Any]:
        try:
            yield from self._from_redis()
        except redis.RedisError as exc:  # no queue gauges: `absent(mathbot_workers)` alerts say so
            log.warning("metrics: Redis unreachable (%s)", type(exc).__name__)
        up = GaugeMetricFamily(
            "mathbot_inference_server_up", "1 while the inference server answers /health.", labels=["server"]
        )
        with ThreadPoolExecutor(max_workers=max(1, len(self.servers))) as pool:
            for server, ok in zip(self.servers, pool.map(self._answers, self.servers), strict=True):
                up.add_metric([scrub_credentials(server)], 1.0 if ok else 0.0)
        yield up

    def _from_redis(self) -> list[Any]:
        depth = GaugeMetricFamily("mathbot_queue_depth", "Questions waiting, by queue.", labels=["queue"])
        with self.connection.pipeline(transaction=False) as pipe:
            for name in self.queues:
                pipe.llen(queue.QuestionQueue.redis_queue_namespace_prefix + name)
            counts = pipe.execute()
        for name, count in zip(self.queues, counts, strict=True):
            depth.add_metric([name], float(count))
        live = GaugeMetricFamily(
            "mathbot_workers", "Live RQ workers on the users' queue (all hosts).", value=len(self._live())
        )
        return [depth, live]

    def _live(self) -> list[dict[bytes, bytes]]:
        """The registered workers of the users' queue whose registration has not expired (a worker killed
        without a word stays in RQ's set until a sweep; its own key expires after its TTL)."""
        names = self.connection.smembers(WORKERS_BY_QUEUE_KEY % self.settings.queue)
        with self.connection.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.hmget(name, "pid", "hostname")
            found = pipe.execute()
        return [{b"pid": pid, b"hostname": host} for pid, host in found if pid is not None]

    def _answers(self, server: str) -> bool:
        try:
            response = httpx.get(server + "/health", headers=self.headers, timeout=PROBE_TIMEOUT)
            return response.status_code == 200
        except httpx.HTTPError:
            return False

    def health(self, pids: Pids) -> dict[str, Any]:
        """Redis answers and at least one of `pids` is a registered, live worker of the users' queue."""
        try:
            workers = self._live()
        except redis.RedisError as exc:
            return {"ok": False, "redis": False, "error": type(exc).__name__}
        host, ours = socket.gethostname().encode(), pids()
        registered = sum(1 for w in workers if w[b"hostname"] == host and int(w[b"pid"] or 0) in ours)
        return {"ok": registered > 0, "redis": True, "workers": registered, "processes": len(ours)}


@contextlib.contextmanager
def serving(settings: Settings, pids: Pids) -> Iterator[Endpoint | None]:
    """Serve the worker's /metrics and /health on MATHBOT_METRICS_PORT while the block runs, and fold the
    metric files of finished work horses every COMPACT_SECONDS."""
    pipeline = Pipeline(settings, queue.connect(settings))  # its own connection: horses never share it
    stop = threading.Event()
    with endpoint.serving(settings.metrics_port, lambda: pipeline.health(pids), [pipeline]) as served:
        if served is not None and metrics.multiprocess_dir():
            threading.Thread(target=_sweep, args=(stop,), name="metrics-sweep", daemon=True).start()
        try:
            yield served
        finally:
            stop.set()


def _sweep(stop: threading.Event) -> None:
    """Fold the metric files of finished work horses every COMPACT_SECONDS (scrapes do it too)."""
    while not stop.wait(COMPACT_SECONDS):
        directory = metrics.multiprocess_dir()
        if directory:
            try:
                metrics.compact(directory)
            except OSError:
                log.warning("metrics: could not fold finished processes' files", exc_info=True)
