"""Truncation rate at 16,384 tokens before and after budget forcing, on the simulator.

Each problem of the sets is answered K times through the inference layer (`workers.generate`, the fleet,
the real HTTP protocol of the chosen server mode), once with budget forcing off (MATHBOT_RESCUE_RESERVE=0)
and once on, against a simulator whose reasoning runs ~9,000 tokens and, for a share of generations
(`--truncate-share`), never concludes on its own. Prints a table per set.

    python -m workers.bench_rescue [--sets aime_2025 hmmt_2025] [--samples 2] [--mode tgi]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import redis

from mathbot import data as problem_data
from mathbot.jobs import Question, ReplyTarget, Sampling, Turn
from mathbot.local import ensure_redis, free_port, spawn, stop, wait_http
from mathbot.outcome import Answer
from mathbot.settings import Settings
from workers.fleet import Fleet
from workers.generate import generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers.bench_rescue", description=__doc__)
    parser.add_argument("--sets", nargs="+", default=["aime_2025", "hmmt_2025"])
    parser.add_argument("--samples", type=int, default=2, help="generations per problem (seeds 0..K-1)")
    parser.add_argument("--mode", default="tgi", choices=["tgi", "vllm", "sglang", "transformers"])
    parser.add_argument("--reasoning-tokens", type=int, default=9000, help="typical reasoning length")
    parser.add_argument("--truncate-share", type=float, default=0.15, help="share that never concludes")
    parser.add_argument("--tokens-per-second", type=float, default=20000.0, help="per stream")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    data = problem_data.data_dir(Settings().data_dir)
    if data is None:
        print("bench_rescue: the problem sets are not here (../shared/data)", file=sys.stderr)
        return 1
    with ExitStack() as stack:
        env = dict(os.environ)
        redis_url = ensure_redis(env.get("REDIS_URL", "redis://localhost:6379/0"), stack)
        port = free_port()
        sim = [
            "sim", "--port", str(port), "--mode", args.mode, "--data-dir", str(data),
            "--tokens-per-second", str(args.tokens_per_second), "--tokens-per-chunk", "8",
            "--reasoning-tokens", str(args.reasoning_tokens), "--truncate-share", str(args.truncate_share),
            "--max-input-tokens", "16383", "--capacity", str(args.concurrency),
        ]  # fmt: skip
        stack.callback(stop, spawn(sim, env, quiet=True))
        url = f"http://127.0.0.1:{port}"
        wait_http(url + "/health", "the simulator")
        connection = redis.Redis.from_url(redis_url)
        print(
            f"simulated {args.mode}: reasoning ~{args.reasoning_tokens:,} tokens, {args.truncate_share:.0%} "
            f"of generations never conclude; budget 16,384 tokens; {args.samples} samples per problem\n"
        )
        print(
            "| set | generations | truncated, reserve 0 | truncated, reserve 1,024 | rescued "
            "| rescued right | mean tokens (after) | wall (before / after) |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for name in args.sets:
            problems = [
                json.loads(line) for line in (data / f"{name}.jsonl").read_text().splitlines() if line
            ]
            before, t0 = run(problems, args, redis_url, url, connection, reserve=0)
            after, t1 = run(problems, args, redis_url, url, connection, reserve=1024)
            n = len(after)
            cut0 = sum(a.truncated for a, _ in before)
            cut1 = sum(a.truncated for a, _ in after)
            rescued = [(a, right) for a, right in after if a.rescued]
            right = sum(1 for a, official in rescued if a.final == official)
            tokens = sum(a.completion_tokens for a, _ in after) / n
            print(
                f"| {name} | {n} | {cut0} ({cut0 / n:.1%}) | {cut1} ({cut1 / n:.1%}) | {len(rescued)} "
                f"| {right} | {tokens:,.0f} | {t0:.0f} s / {t1:.0f} s |"
            )
        connection.delete(*connection.keys("mathbot:fleet:*") or ["-"])
    return 0


def run(
    problems: list[dict[str, object]],
    args: argparse.Namespace,
    redis_url: str,
    url: str,
    connection: redis.Redis,
    reserve: int,
) -> tuple[list[tuple[Answer, str]], float]:
    """Every problem K times: (answer, official answer), and the wall time."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, redis_url=redis_url, tgi_url=url, rescue_reserve=reserve, http_timeout=60
    )

    def one(job: tuple[dict[str, object], int]) -> tuple[Answer, str]:
        problem, seed = job
        question = Question(
            target=ReplyTarget(platform="console", channel=f"bench-{uuid.uuid4().hex[:8]}"),
            turns=[Turn(role="user", content=str(problem["problem"]))],
            sampling=Sampling(seed=seed),
        )
        answer = generate(question, Fleet(settings, connection), lambda _: None, settings)
        value = problem["answer"]
        official = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()
        return answer, official

    started = time.monotonic()
    jobs = [(problem, seed) for problem in problems for seed in range(args.samples)]
    with ThreadPoolExecutor(args.concurrency) as pool:
        results = list(pool.map(one, jobs))
    return results, time.monotonic() - started


if __name__ == "__main__":
    sys.exit(main())
