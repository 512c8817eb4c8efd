"""What the chat-call benchmarks (`tests/slack/bench_calls.py`, `tests/discord/bench_calls.py`) share:
their options, their headline, the busiest-window count and the calls table."""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

SIDES = ("adapter", "worker")
"""Which process made a call: the chat adapter or a worker."""


def parse_args(prog: str, description: str | None, argv: list[str] | None) -> argparse.Namespace:
    """The options of a chat-call benchmark (questions, channels, /solve share, workers, simulator)."""
    parser = argparse.ArgumentParser(
        prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", type=int, default=1, help="questions asked at once (default 1)")
    parser.add_argument("--channels", type=int, default=1, help="channels they are spread over (default 1)")
    parser.add_argument("--solves", type=int, default=0, help="how many of them are /solve (default 0)")
    parser.add_argument(
        "--workers", type=int, help="worker processes (default: one per question, so all run at once)"
    )
    parser.add_argument(
        "--tokens-per-second", type=float, default=85.0, help="simulated speed per stream (default 85)"
    )
    parser.add_argument(
        "--reasoning-tokens", type=int, default=10_000, help="simulated reasoning length (default 10000)"
    )
    parser.add_argument(
        "--tokens-per-chunk", type=int, default=1, help="tokens per streamed chunk (default 1, as TGI)"
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds to wait for all answers (default 600)"
    )
    args = parser.parse_args(argv)
    if args.questions < 1 or args.channels < 1 or not 0 <= args.solves <= args.questions:
        parser.error("need --questions >= 1, --channels >= 1 and 0 <= --solves <= --questions")
    args.workers = args.workers or args.questions
    return args


def headline(args: argparse.Namespace, logs: Path) -> str:
    return (
        f"{args.questions} question(s) in {args.channels} channel(s), {args.solves} of them /solve; "
        f"{args.workers} worker(s); simulator at {args.tokens_per_second:g} tokens/s, "
        f"{args.reasoning_tokens:,} reasoning tokens; logs in {logs}"
    )


def max_in_window(times: list[float], window: float) -> int:
    """The most of `times` (seconds) that fall within any `window` seconds."""
    times, best, first = sorted(times), 0, 0
    for last, at in enumerate(times):
        while times[first] <= at - window:
            first += 1
        best = max(best, last - first + 1)
    return best


def print_table(label: str, calls: Sequence[tuple[str, str]], answers: int) -> None:
    """Calls as (name, side) pairs, counted by name and side, with totals and the count per answer."""
    counts = Counter(calls)
    names = sorted({name for name, _ in counts})
    width = max([len("total"), len(label), *(len(n) for n in names)])
    print(f"  {label:<{width}}  {'adapter':>7}  {'worker':>7}  {'total':>7}  {'per answer':>10}")
    rows = [(n, [counts[(n, s)] for s in SIDES]) for n in names]
    rows.append(("total", [sum(counts[(n, s)] for n in names) for s in SIDES]))
    for name, numbers in rows:
        total = sum(numbers)
        cells = "  ".join(f"{n:>7}" for n in numbers)
        print(f"  {name:<{width}}  {cells}  {total:>7}  {total / answers:>10.2f}")


def settle(calls: Callable[[], int], quiet: float, longest: float) -> None:
    """Wait until the fake has recorded no new call (`calls()` counts them) for `quiet` seconds, at most
    `longest` seconds in all."""
    deadline = time.monotonic() + longest
    seen, since = calls(), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < quiet:
        time.sleep(0.2)
        if calls() != seen:
            seen, since = calls(), time.monotonic()
