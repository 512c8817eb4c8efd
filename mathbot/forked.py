"""Run a function in a forked child process under a hard deadline, and get its result back.

For work that must not run in the caller's process: math-verify bounds itself with SIGALRM, the
signal RQ uses for job timeouts (calling it in a job would silently cancel the job's timeout), and
a formula render may run away with time or memory. The child is killed at the deadline; its
address space can be capped. Where `fork` is not available the child is spawned (then `func` must
be importable at module level).
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class ChildFailed(Exception):
    """The child ran out of time, crashed, or raised (the message says which)."""


def call(
    func: Callable[..., T],
    *args: Any,
    deadline: float,
    memory_bytes: int | None = None,
    name: str = "mathbot-child",
) -> T:
    """`func(*args)` computed in a child process; raises `ChildFailed` when it takes longer than
    `deadline` seconds (the child is killed), dies, or raises. `memory_bytes` caps how much address
    space the child may add to what it starts with (Linux)."""
    ctx = _context()
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(sender, func, args, memory_bytes), name=name)
    try:
        process.start()
        sender.close()
        if not receiver.poll(max(deadline, 0.0)):
            raise ChildFailed(f"no result within {deadline:.1f} s")
        try:
            ok, value = receiver.recv()
        except (EOFError, OSError) as exc:
            raise ChildFailed(f"the child died ({type(exc).__name__})") from None
        if not ok:
            raise ChildFailed(str(value))
        return value  # type: ignore[no-any-return]
    finally:
        if process.is_alive():
            process.kill()
        process.join(timeout=1.0)
        receiver.close()
        sender.close()


def _child(conn: Connection, func: Callable[..., Any], args: tuple[Any, ...], memory: int | None) -> None:
    try:
        if memory is not None:
            limit_memory(memory)
        try:
            result: tuple[bool, Any] = (True, func(*args))
        except BaseException as exc:  # reported to the parent, never raised out of the child
            result = (False, f"{type(exc).__name__}: {exc}"[:500])
        conn.send(result)
    finally:
        conn.close()


def limit_memory(extra_bytes: int) -> None:
    """Cap this process's address space at what it uses now plus `extra_bytes` (Linux only)."""
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as handle:
            current = int(handle.read().split()[0]) * resource.getpagesize()
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = current + extra_bytes
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):  # not Linux: the time bound still holds
        pass


def _context() -> Any:  # a fork or spawn context; typeshed's BaseContext lacks Process
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(method)
