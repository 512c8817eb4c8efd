"""Memory and CPU of a process tree, from /proc: what a worker pool costs while it generates."""

from __future__ import annotations

import os
from dataclasses import dataclass

TICKS = os.sysconf("SC_CLK_TCK")


def tree(root: int) -> list[int]:
    """`root` and all its live descendants, by each process's parent in /proc/<pid>/stat (portable: a
    sandboxed kernel such as gVisor may not have /proc/<pid>/task/<tid>/children)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    pids, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        pids.append(pid)
        frontier.extend(children.get(pid, []))
    return pids


@dataclass(frozen=True)
class Memory:
    pss: int
    """Proportional set size in bytes: shared pages split among the processes that share them (where the
    kernel reports no PSS, the RSS: see `source`)."""
    rss: int
    processes: int
    source: str = "smaps_rollup"
    """Where the numbers come from: smaps_rollup, smaps (summed), or status (RSS only, no PSS)."""


def memory(root: int) -> Memory:
    """PSS and RSS of the tree, from /proc/<pid>/smaps_rollup (else smaps, else status's VmRSS)."""
    pss = rss = count = 0
    source = "smaps_rollup"
    for pid in tree(root):
        found = _sizes(pid)
        if found is None:
            continue
        pss, rss, count = pss + found[0], rss + found[1], count + 1
        if found[2] != "smaps_rollup":
            source = found[2]
    return Memory(pss, rss, count, source)


def _sizes(pid: int) -> tuple[int, int, str] | None:
    for name in ("smaps_rollup", "smaps"):
        try:
            with open(f"/proc/{pid}/{name}") as f:
                pss = rss = 0
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
            if rss:
                return pss or rss, rss, name if pss else "status"
        except OSError:
            continue
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                    return rss, rss, "status"
    except OSError:
        return None
    return None


def cpu_seconds(root: int) -> float:
    """CPU time of the tree so far: each live process's own user+system time plus that of its children
    already reaped (a finished work horse counts in its worker's cutime/cstime)."""
    total = 0
    for pid in tree(root):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        utime, stime, cutime, cstime = (int(fields[i]) for i in (11, 12, 13, 14))
        total += utime + stime + cutime + cstime
    return total / TICKS
