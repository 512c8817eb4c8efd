"""The `mathbot` command: ask, worker, slack, discord, and the local tools sim and demo."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic import ValidationError

from mathbot import defaults, logs
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
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"mathbot: invalid settings: {describe(exc)}", file=sys.stderr)
        return 2
    logs.setup(
        args.log_level or ("WARNING" if args.command in ("ask", "check") else settings.log_level),
        settings.secrets(),
    )
    if args.command in REDIS_COMMANDS:
        from mathbot import queue

        try:
            queue.check_at_start(settings, serves=args.command != "ask")
        except queue.RedisUnusable as exc:
            print(f"mathbot: {exc.user_message}", file=sys.stderr)
            return 1
    return int(args.run(args, settings) or 0)


REDIS_COMMANDS = ("ask", "worker", "slack", "discord")
"""Commands that need Redis: each checks it first, and stops at once with one line if it is unusable."""


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

    check = commands.add_parser(
        "check", help="say whether an answer to a problem is right, without revealing the answer"
    )
    check.add_argument("problem", help="the problem, in plain text or LaTeX ('-' reads standard input)")
    check.add_argument("--answer", required=True, metavar="X", help="the answer to check")
    check.add_argument(
        "--timeout", type=float, default=defaults.ASK_TIMEOUT, help="seconds to wait for the verdict"
    )
    check.set_defaults(run=_check)

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

    commands.add_parser("sim", help="run the TGI simulator (see `mathbot sim --help`)")
    commands.add_parser("demo", help="run everything locally on the simulator and ask one problem")
    return parser


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from bots.console.ask import ask

    text = sys.stdin.read() if args.question == "-" else args.question
    return ask(text, settings, timeout=args.timeout, reasoning_path=args.reasoning, samples=args.samples)


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from bots.console.check import check

    text = sys.stdin.read() if args.problem == "-" else args.problem
    return check(text, args.answer, settings, timeout=args.timeout)


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
