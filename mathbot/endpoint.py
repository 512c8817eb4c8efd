"""GET /metrics and GET /health on a port of their own (MATHBOT_METRICS_PORT) for the processes that have
no web server otherwise, `mathbot worker` and `mathbot discord`: a small threaded HTTP server in a daemon
thread. (`mathbot slack` serves both on $PORT, beside its Slack endpoint.)"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client.registry import Collector

from mathbot import metrics

log = logging.getLogger(__name__)

METRICS_PATH = "/metrics"
HEALTH_PATH = "/health"
HOST = "0.0.0.0"

Health = Callable[[], dict[str, Any]]
"""Says whether the process is healthy: a JSON-ready dict whose "ok" decides 200 or 503."""


class Endpoint:
    """The server; `start` it, `close` it at exit. Children forked later (RQ's workers and work horses)
    close their copy of its socket at once: a listening socket must not outlive the process serving it."""

    def __init__(
        self, port: int, health: Health, collectors: Sequence[Collector] = (), host: str = HOST
    ) -> None:
        self.health, self.collectors = health, tuple(collectors)
        self.server = ThreadingHTTPServer((host, port), _handler(self))
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        os.register_at_fork(after_in_child=self.server.socket.close)
        self.thread = threading.Thread(target=self.server.serve_forever, name="metrics", daemon=True)

    def start(self) -> Endpoint:
        self.thread.start()
        log.info("metrics on port %d: GET %s, GET %s", self.port, METRICS_PATH, HEALTH_PATH)
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def respond(self, path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for a GET of `path`."""
        if path == METRICS_PATH:
            body, content_type = metrics.exposition(*self.collectors)
            return 200, content_type, body
        if path == HEALTH_PATH:
            try:
                report = self.health()
            except Exception as exc:  # a health check that breaks is a failed health check
                log.warning("health check failed: %s", type(exc).__name__, exc_info=True)
                report = {"ok": False, "error": type(exc).__name__}
            return 200 if report.get("ok") else 503, "application/json", json.dumps(report).encode()
        return 404, "text/plain", b"not found\n"


@contextlib.contextmanager
def serving(port: int, health: Health, collectors: Sequence[Collector] = ()) -> Iterator[Endpoint | None]:
    """Serve /metrics and /health on `port` while the block runs; not at all for port 0, nor when the port
    is taken (the process still does its work, and says so once: a second worker on one host, say)."""
    if not port:
        yield None
        return
    try:
        endpoint = Endpoint(port, health, collectors).start()
    except OSError as exc:
        log.warning(
            "cannot serve /metrics and /health on port %d (%s); set MATHBOT_METRICS_PORT to a free port "
            "(0: none)",
            port,
            exc.strerror or exc,
        )
        yield None
        return
    try:
        yield endpoint
    finally:
        endpoint.close()


def _handler(endpoint: Endpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            try:
                status, content_type, body = endpoint.respond(self.path.split("?", 1)[0])
            except Exception:
                log.exception("GET %s failed", self.path.split("?", 1)[0][:100])
                status, content_type, body = 500, "text/plain", b"internal error\n"
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Scrapes and probes come every few seconds: not worth a log line each."""

    return Handler
