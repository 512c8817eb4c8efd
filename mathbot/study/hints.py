"""Hints: a worked solution cut into steps, shown one at a time, in order, the final answer last.

The steps are the solution's paragraphs (a displayed formula stays with its paragraph); any paragraph
that states the boxed answer is left out, since the final answer is the last hint of its own. A long
solution's paragraphs are grouped into at most MAX_STEPS steps. How far each person got is counted in
Redis per person (`keys.STUDY` `hints:<ref>`): one person's hints never move another's.
"""

from __future__ import annotations

import re

import redis

from mathbot import keys

MAX_STEPS = 6
"""Steps before the final answer, at most: more hints than that is the solution read in slices."""

_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_OPENS = re.compile(r"\\\[|\$\$|\\begin\{")
_CLOSES = re.compile(r"\\\]|\$\$|\\end\{")


def paragraphs(solution: str) -> list[str]:
    """The solution's paragraphs (blank-line separated), never split inside a displayed formula."""
    found: list[str] = []
    current: list[str] = []
    depth = 0
    for line in solution.strip().splitlines():
        if not line.strip() and depth <= 0:
            if current:
                found.append("\n".join(current).strip())
                current = []
            continue
        current.append(line)
        # `$$` both opens and closes: count it once per occurrence, alternating.
        for token in re.findall(r"\\\[|\\\]|\$\$|\\begin\{|\\end\{", line):
            if token == "$$":
                depth = 0 if depth > 0 else 1
            elif _OPENS.fullmatch(token):
                depth += 1
            elif _CLOSES.fullmatch(token):
                depth -= 1
    if current:
        found.append("\n".join(current).strip())
    return [p for p in found if p]


def steps(solution: str, final: str | None) -> list[str]:
    """The hints of a solution: its steps (no paragraph with the boxed answer), then the final answer
    (`$<final>$`) when there is one."""
    parts = [p for p in paragraphs(solution) if not _BOXED.search(p)]
    if len(parts) > MAX_STEPS:
        size = -(-len(parts) // MAX_STEPS)
        parts = ["\n\n".join(parts[i : i + size]) for i in range(0, len(parts), size)]
    if final and final.strip():
        parts.append(f"${final.strip()}$")
    return parts


def take(connection: redis.Redis, ref: str, user: str, ttl: int) -> int:
    """Count one more hint for `user` on `ref`: the number of the hint to show now (1 for the first)."""
    key = f"{keys.STUDY}hints:{ref}"
    with connection.pipeline() as pipe:
        pipe.hincrby(key, user, 1)
        pipe.expire(key, ttl)
        number, _ = pipe.execute()
    return int(number)
