"""The `mathbot` command: ask, eval, worker, slack, discord, and the local tools sim and demo (their own
flags)."""

from __future__ import annotations

import argparse
import sys
from importlib import metadata
from pathlib import Path

from pydantic import ValidationError

from mathbot import defaults, logs, multiproc, usage
from mathbot.arguments import HelpFormatter, Parser, at_least, positive
from mathbot.settings import LOG_LEVELS, Settings


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

QUIET_COMMANDS = ("ask", "check", "eval")
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
    parser = Parser(prog="mathbot", description=usage.MATHBOT, epilog=usage.MATHBOT_EPILOG)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument(
        "--log-level",
        type=str.upper,
        choices=LOG_LEVELS,
        help=f"override MATHBOT_LOG_LEVEL ({', '.join(LOG_LEVELS)})",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, description: str, epilog: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name, help=summary, description=description, epilog=epilog, formatter_class=HelpFormatter
        )

    ask = command("ask", "ask one question from the terminal through the queue", usage.ASK, usage.ASK_EPILOG)
    ask.add_argument("question", help="the problem, in plain text or LaTeX ('-' reads standard input)")
    ask.add_argument(
        "--timeout", type=positive, default=defaults.ASK_TIMEOUT, metavar="SECONDS", help=usage.ASK_TIMEOUT
    )
    ask.add_argument(
        "--reasoning", type=Path, metavar="FILE", help="also write the full reasoning there (Markdown)"
    )
    ask.add_argument(
        "--samples",
        type=at_least(1),
        default=1,
        metavar="N",
        help="answer N times and show the majority's answer (self-consistency; each sample is a full answer)",
    )
    ask.set_defaults(run=_ask)

    check = command(
        "check",
        "say whether an answer to a problem is right, without revealing it",
        usage.CHECK,
        usage.CHECK_EPILOG,
    )
    check.add_argument("problem", help="the problem, in plain text or LaTeX ('-' reads standard input)")
    check.add_argument("--answer", required=True, metavar="X", help="the answer to check")
    check.add_argument(
        "--timeout", type=positive, default=defaults.ASK_TIMEOUT, metavar="SECONDS", help=usage.CHECK_TIMEOUT
    )
    check.set_defaults(run=_check)

    worker = command("worker", "answer questions from the queue", usage.WORKER, usage.WORKER_EPILOG)
    worker.add_argument("--burst", action="store_true", help="exit once the queue is empty")
    worker.add_argument(
        "-n",
        "--processes",
        type=at_least(1),
        default=None,
        metavar="N",
        help="worker processes, one generation each (default: MATHBOT_WORKERS)",
    )
    worker.set_defaults(run=_worker)

    slack = command(
        "slack", "run the Slack adapter (HTTP on $PORT, or Socket Mode)", usage.SLACK, usage.SLACK_EPILOG
    )
    slack.set_defaults(run=_slack)

    discord = command("discord", "run the Discord adapter", usage.DISCORD, usage.DISCORD_EPILOG)
    discord.set_defaults(run=_discord)

    evaluate = command(
        "eval",
        "evaluate on problem sets through the queue and the running workers",
        usage.EVAL,
        usage.EVAL_EPILOG,
    )
    evaluate.add_argument(
        "sets",
        nargs="+",
        metavar="SET_OR_FILE",
        help="a set name (aime_2025, hmmt_2025, ...) or a JSONL file",
    )
    # eval checks its numbers itself (bots/eval), in its own words
    evaluate.add_argument("--samples", type=int, default=1, metavar="K", help="samples per problem")
    evaluate.add_argument("--limit", type=int, metavar="N", help="only the first N problems of each set")
    evaluate.add_argument(
        "--out", type=Path, default=None, metavar="DIR", help="results folder (default: ./mathbot-eval)"
    )
    evaluate.set_defaults(run=_eval)

    commands.add_parser("sim", help=usage.SIM, add_help=False)
    commands.add_parser("demo", help=usage.DEMO, add_help=False)
    return parser


def _version() -> str:
    try:
        return metadata.version("mathbot")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from bots.console.ask import ask

    try:
        text = read_question() if args.question == "-" else args.question
    except KeyboardInterrupt:
        print("\nmathbot: cancelled.", file=sys.stderr)
        return 130
    return ask(text, settings, timeout=args.timeout, reasoning_path=args.reasoning, samples=args.samples)


STDIN_PROMPT = "Type or paste the problem, then Ctrl-D on an empty line (Ctrl-C gives up):"
"""What `mathbot ask -` says when standard input is a terminal (else it reads in silence, as a pipe)."""


def read_question() -> str:
    """The question from standard input, after saying how to end it when a person is typing it."""
    if sys.stdin.isatty():
        print(STDIN_PROMPT, file=sys.stderr, flush=True)
    return sys.stdin.read()


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from bots.eval.command import DEFAULT_OUT, evaluate

    return evaluate(args.sets, settings, samples=args.samples, limit=args.limit, out=args.out or DEFAULT_OUT)


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from bots.console.check import check

    text = read_question() if args.problem == "-" else args.problem
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
