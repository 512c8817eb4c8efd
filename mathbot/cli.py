"""The `mathbot` command: ask, eval, worker, slack, discord, and the local tools sim and demo."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic import ValidationError

from mathbot import defaults, logs, multiproc
from mathbot.settings import Settings


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "sim":  # the simulator and the demo own their flags
        from mathbot.sim import main as sim_main

        return sim_main(argv[1:])
    if argv and argv[0] == "demo":
        from mathbot.demo import main as demo_main

        return demo_main(argv[1:])
    args = _parser().parse_args(argv)
    multiproc.prepare(args.command)  # before anything imports prometheus_client
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"mathbot: invalid settings: {describe(exc)}", file=sys.stderr)
        return 2
    logs.setup(
        args.log_level or ("WARNING" if args.command in QUIET_COMMANDS else settings.log_level),
        settings.secrets(),
        settings.log_format,
    )
    unused = (args.command == "slack" and not settings.slack_configured) or (
        args.command == "discord" and not settings.discord_configured
    )  # an adapter that is not in use says so itself, Redis or not
    if args.command in REDIS_COMMANDS and not unused:
        from mathbot import queue

        try:
            queue.check_at_start(settings, serves=args.command != "ask")
        except queue.RedisUnusable as exc:
            print(f"mathbot: {exc.user_message}", file=sys.stderr)
            return 1
    return int(args.run(args, settings) or 0)


REDIS_COMMANDS = ("ask", "worker", "slack", "discord")
"""Commands that need Redis: each checks it first, and stops at once with one line if it is unusable
(`eval` checks it itself, after its arguments)."""

QUIET_COMMANDS = ("ask", "eval")
"""Terminal commands: their logs stay at WARNING unless --log-level says otherwise (progress is theirs)."""


def describe(error: ValidationError) -> str:
    """The settings errors by variable name, never with the values (they may be secrets)."""
    parts = []
    for item in error.errors(include_input=False, include_url=False):
        where = str(item["loc"][0]) if item["loc"] else ""
        field = Settings.model_fields.get(where)
        if field is not None:  # a MATHBOT_* knob (contract variables are reported by their alias)
            alias = field.validation_alias
            where = alias if isinstance(alias, str) else f"MATHBOT_{where.upper()}"
        parts.append(f"{where}: {item['msg']}" if where else item["msg"])
    return "; ".join(parts)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mathbot", description="A math assistant for Slack and Discord.")
    parser.add_argument("--log-level", help="override MATHBOT_LOG_LEVEL (DEBUG, INFO, WARNING)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = commands.add_parser("ask", help="ask one question from the terminal through the queue")
    ask.add_argument("question", help="the problem, in plain text or LaTeX ('-' reads standard input)")
    ask.add_argument(
        "--timeout", type=float, default=defaults.ASK_TIMEOUT, help="seconds to wait for the answer"
    )
    ask.add_argument(
        "--reasoning", type=Path, metavar="FILE", help="also write the full reasoning there (Markdown)"
    )
    ask.add_argument(
        "--samples",
        type=int,
        default=1,
        metavar="N",
        help="answer N times and show the majority's answer (self-consistency; each sample is a full answer)",
    )
    ask.set_defaults(run=_ask)

    worker = commands.add_parser("worker", help="answer questions from the queue")
    worker.add_argument("--burst", action="store_true", help="exit once the queue is empty")
    worker.add_argument(
        "-n",
        "--processes",
        type=int,
        default=None,
        help="worker processes, one generation each (default: MATHBOT_WORKERS)",
    )
    worker.set_defaults(run=_worker)

    slack = commands.add_parser("slack", help="run the Slack adapter (HTTP on $PORT, or Socket Mode)")
    slack.set_defaults(run=_slack)

    discord = commands.add_parser("discord", help="run the Discord adapter")
    discord.set_defaults(run=_discord)

    evaluate = commands.add_parser(
        "eval",
        help="evaluate on problem sets through the queue and the running workers",
        description="Answer every problem of the sets K times through the evaluation queue (served by "
        "`mathbot worker` after users' questions), grade each sample against the official answer, and "
        "report pass@1 and cons@K per set. Results are stored as they come: the same command resumes.",
    )
    evaluate.add_argument(
        "sets",
        nargs="+",
        metavar="SET_OR_FILE",
        help="a set name (aime_2025, hmmt_2025, ...) or a JSONL file",
    )
    evaluate.add_argument(
        "--samples", type=int, default=1, metavar="K", help="samples per problem (default 1)"
    )
    evaluate.add_argument("--limit", type=int, metavar="N", help="only the first N problems of each set")
    evaluate.add_argument(
        "--out", type=Path, default=None, metavar="DIR", help="results folder (default ./mathbot-eval)"
    )
    evaluate.set_defaults(run=_eval)

    commands.add_parser("sim", help="run the TGI simulator (see `mathbot sim --help`)")
    commands.add_parser("demo", help="run everything locally on the simulator and ask one problem")
    return parser


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from bots.console.ask import ask

    text = sys.stdin.read() if args.question == "-" else args.question
    return ask(text, settings, timeout=args.timeout, reasoning_path=args.reasoning, samples=args.samples)


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from bots.eval.command import DEFAULT_OUT, evaluate

    return evaluate(args.sets, settings, samples=args.samples, limit=args.limit, out=args.out or DEFAULT_OUT)


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from workers.run import run

    run(settings, burst=args.burst, processes=args.processes or settings.workers)
    return 0


def _slack(args: argparse.Namespace, settings: Settings) -> int:
    from bots.slack.app import run

    return run(settings)


def _discord(args: argparse.Namespace, settings: Settings) -> int:
    from bots.discord.app import run

    return run(settings)


if __name__ == "__main__":
    sys.exit(main())
