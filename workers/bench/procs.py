"""Memory and CPU of a process tree, from /proc: what a worker pool costs while it generates."""

from __future__ import annotations

import os
from dataclasses import dataclass

TICKS = os.sysconf("SC_CLK_TCK")


def tree(root: int) -> list[int]:
    """`root` and all its descendants (live ones), from /proc/<pid>/task/<tid>/children."""
    pids, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        pids.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    frontier.extend(int(p) for p in f.read().split())
        except OSError:
            continue
    return pids


@dataclass(frozen=True)
class Memory:
    pss: int
    """Proportional set size in bytes: shared pages split among the processes that share them."""
    rss: int
    processes: int


def memory(root: int) -> Memory:
    """PSS and RSS of the tree, from /proc/<pid>/smaps_rollup."""
    pss = rss = count = 0
    for pid in tree(root):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
            count += 1
        except OSError:
            continue
    return Memory(pss, rss, count)


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
