"""Benchmark: render every display formula of the MATH-500 solutions and time the text conversion.

Run ``python -m mathbot.render.bench [PATH_TO_math_500.jsonl]``; by default it reads
``../shared/data/math_500.jsonl`` next to the repository.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from .images import render_png
from .markup import to_text
from .segment import display_blocks

DEFAULT_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "math_500.jsonl"


def _solutions(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line)["solution"] for line in handle if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=0, help="only the first N solutions")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"no data at {args.data}", file=sys.stderr)
        return 2
    solutions = _solutions(args.data)
    if args.limit:
        solutions = solutions[: args.limit]

    text_times: list[float] = []
    for solution in solutions:
        start = time.perf_counter()
        for flavor in ("slack", "discord", "console"):
            to_text(solution, flavor)
        text_times.append((time.perf_counter() - start) / 3)

    render_times: list[float] = []
    slowest = (0.0, "")
    rendered = 0
    for solution in solutions:
        for block in display_blocks(solution):
            start = time.perf_counter()
            png = render_png(block)
            elapsed = time.perf_counter() - start
            render_times.append(elapsed)
            rendered += png is not None
            if elapsed > slowest[0]:
                slowest = (elapsed, block)

    count = len(render_times)
    print(f"solutions:                 {len(solutions)}")
    print(f"display formulas:          {count}")
    if count:
        print(f"rendered as images:        {rendered} ({rendered / count:.1%})")
        print(f"render time median:        {statistics.median(render_times) * 1000:.1f} ms")
        print(f"render time slowest:       {slowest[0] * 1000:.1f} ms  ({slowest[1][:60]!r})")
    print(f"text per solution median:  {statistics.median(text_times) * 1000:.2f} ms")
    print(f"text per solution mean:    {statistics.mean(text_times) * 1000:.2f} ms")
    print(f"text per solution slowest: {max(text_times) * 1000:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
