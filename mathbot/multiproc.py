"""Prometheus' multiprocess mode for `mathbot worker`: the directory where its processes keep their metrics.

A worker pool is many processes, and each job runs in a work horse forked for it: a counter kept in a
horse's memory would die with it. In multiprocess mode every process writes its values to files in one
directory, which the worker's GET /metrics sums (`mathbot.metrics.exposition`). prometheus_client picks
its mode when it is first imported, from PROMETHEUS_MULTIPROC_DIR, so `prepare` runs first thing in the
`mathbot` command, before anything imports prometheus_client. This module must not import it.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import sys
import tempfile

ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare(command: str) -> str | None:
    """Set up the metrics mode of a `mathbot` command; returns the multiprocess directory, if any.

    `worker`: PROMETHEUS_MULTIPROC_DIR if set (emptied of a previous run's files, as prometheus_client
    requires), else a fresh temporary directory removed at exit. Every other command is one process (the
    adapters, `ask`), so it keeps its metrics in memory (exact, nothing on disk) even where the variable is
    set for all services.
    """
    if command != "worker":
        os.environ.pop(ENV, None)
        return None
    if "prometheus_client" in sys.modules and not os.environ.get(ENV):
        raise RuntimeError("prometheus_client was imported before its multiprocess directory was set")
    directory = os.environ.get(ENV)
    if directory:
        os.makedirs(directory, exist_ok=True)
        for stale in glob.glob(os.path.join(directory, "*.db")):
            os.remove(stale)
    else:
        directory = tempfile.mkdtemp(prefix="mathbot-metrics-")
        atexit.register(_remove, directory, os.getpid())
        os.environ[ENV] = directory
    return directory


def _remove(directory: str, owner: int) -> None:
    """Only the process that made the directory removes it (forked children inherit atexit handlers)."""
    if os.getpid() == owner:
        shutil.rmtree(directory, ignore_errors=True)
