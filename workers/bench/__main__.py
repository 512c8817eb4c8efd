"""The load benchmark, side by side: N questions straight to the server vs through mathbot's pipeline.

For each N, on one TGI simulator (a realistic per-stream rate, capacity for the largest N, so nothing is
refused): an httpx client streams N chat completions at once (`direct`), then N questions are enqueued
at once for a pool of N `mathbot worker` processes (`pipeline`). Reported per N: the completion-time
ratio, the added first-token latency (p50/p99), the worker pool's memory per in-flight generation (PSS)
and its CPU per stream; printed as a table, written as JSON and a PNG plot.

    python -m workers.bench [--sizes 1,16,64] [--tokens-per-second 100] [--reasoning-tokens 2000] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

from mathbot import defaults
from mathbot.jobs import Turn
from mathbot.local import ensure_redis, free_port, spawn, stop, wait_http
from mathbot.prompt import build_messages, estimate_tokens
from workers.bench import direct, pipeline, report

QUESTION = "Benchmark: find the remainder when $2^{100}$ is divided by $7$."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m workers.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sizes", default="1,16,64", help="questions at once, comma-separated (default 1,16,64)"
    )
    parser.add_argument(
        "--tokens-per-second", type=float, default=100.0, help="simulated speed of each stream (default 100)"
    )
    parser.add_argument(
        "--reasoning-tokens", type=int, default=2000, help="simulated reasoning length (default 2000)"
    )
    parser.add_argument("--out", type=Path, default=Path("build/bench"), help="where the JSON and PNG go")
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.sizes.split(",") if n.strip()]
    args.out.mkdir(parents=True, exist_ok=True)
    machine = describe_machine()
    print(f"bench: {machine}", flush=True)

    rows = []
    with ExitStack() as stack:
        env = dict(os.environ)
        env["REDIS_URL"] = ensure_redis(env.get("REDIS_URL", "redis://localhost:6379/0"), stack)
        port = free_port()
        sim = ["sim", "--port", str(port), "--tokens-per-second", str(args.tokens_per_second)]
        sim += ["--capacity", str(max(sizes)), "--reasoning-tokens", str(args.reasoning_tokens)]
        stack.callback(stop, spawn([*sim, "--log-level", "WARNING"], env, quiet=True))
        env["TGI_URL"] = f"http://127.0.0.1:{port}"
        env["MATHBOT_METRICS_PORT"] = str(free_port())  # served as in production, on a port of its own
        env["MATHBOT_SEED"] = str(direct.SEED)
        wait_http(env["TGI_URL"] + "/health", "the simulator")
        messages = build_messages([Turn(role="user", content=QUESTION)])
        max_tokens = defaults.MAX_TOTAL_TOKENS - estimate_tokens(messages, defaults.CHARS_PER_TOKEN_ESTIMATE)
        for n in sizes:
            httpx.delete(env["TGI_URL"] + "/_sim/stats")
            streams, client_cpu = direct.run(env["TGI_URL"], messages, max_tokens, n)
            print(f"bench: N={n} direct done", flush=True)
            run = pipeline.run(env, QUESTION, n, args.out / f"workers-{n}.log")
            print(
                f"bench: N={n} pipeline done (pool of {n} started in {run.start_seconds:.1f} s)", flush=True
            )
            rows.append(report.row(n, streams, client_cpu, run))
            print(report.table(rows[-1:]).splitlines()[-1], flush=True)
            save(args, machine, rows)  # after each N: a run cut short still has its rows
            time.sleep(1.0)

    title = (
        f"mathbot pipeline vs straight to the server: simulator at {args.tokens_per_second:g} tokens/s per "
        f"stream, ~{args.reasoning_tokens} reasoning tokens\n{machine}"
    )
    print()
    print(report.table(rows))
    png = args.out / "bench.png"
    report.plot(rows, png, title)
    print(f"\nbench: plot in {png}, JSON in {args.out}")
    return 0


def save(args: argparse.Namespace, machine: str, rows: list[report.Row]) -> None:
    results = {"machine": machine, "args": vars(args) | {"out": str(args.out)}, "rows": report.as_json(rows)}
    (args.out / "bench.json").write_text(json.dumps(results, indent=1))


def describe_machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.node()}: {os.cpu_count()} cores ({model}), Python {platform.python_version()}"


if __name__ == "__main__":
    sys.exit(main())
