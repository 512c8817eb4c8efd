"""Command line: `python -m mathbot.sim` (and `mathbot sim`) runs a simulated TGI server."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from pathlib import Path

from aiohttp import web

from mathbot import data
from mathbot.sim.config import DEFAULT_TOKENS_PER_SECOND, REASONING_FIELDS, SHAPES, SimConfig
from mathbot.sim.server import make_app

DEFAULT_PORT = 8080
"""TGI's usual port, and mathbot's default `TGI_URL` (http://localhost:8080)."""

logger = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    defaults = SimConfig()
    p = argparse.ArgumentParser(
        prog="mathbot sim",
        description="Run a SIMULATED text-generation-inference server (no GPU, no model) that speaks "
        "TGI's HTTP protocol and writes R1-shaped placeholder answers.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default: %(default)s; 0 picks one)")
    p.add_argument(
        "--tokens-per-second",
        type=float,
        default=DEFAULT_TOKENS_PER_SECOND,
        help="generation speed of each stream (default: %(default)s)",
    )
    p.add_argument(
        "--capacity",
        type=int,
        default=defaults.capacity,
        help="concurrent generations before HTTP 429 (default: %(default)s)",
    )
    p.add_argument(
        "--tokens-per-chunk",
        type=int,
        default=defaults.tokens_per_chunk,
        help="tokens merged into one chat chunk; TGI sends 1 (default: %(default)s)",
    )
    p.add_argument(
        "--max-total-tokens",
        type=int,
        default=defaults.max_total_tokens,
        help="TGI's limit on prompt + answer tokens; longer requests get 422 (default: %(default)s)",
    )
    p.add_argument(
        "--max-input-tokens",
        type=int,
        default=defaults.max_input_tokens,
        help="TGI's limit on prompt tokens, below --max-total-tokens (default: %(default)s)",
    )
    p.add_argument(
        "--reasoning-tokens",
        type=int,
        default=defaults.reasoning_tokens,
        help="approximate length of the simulated reasoning (default: %(default)s)",
    )
    p.add_argument(
        "--accuracy",
        type=float,
        default=defaults.accuracy,
        help="share of sampled answers that box the right answer, 0-1 (default: %(default)s)",
    )
    p.add_argument(
        "--shape",
        choices=SHAPES,
        default=defaults.shape,
        help="r1: only </think>; tags: <think>...</think>; split: reasoning in its own field "
        "(default: %(default)s)",
    )
    p.add_argument(
        "--reasoning-field",
        choices=REASONING_FIELDS,
        default=defaults.reasoning_field,
        help="field carrying the reasoning in the split shape (default: %(default)s)",
    )
    p.add_argument(
        "--data-dir",
        help="folder of *.jsonl problem sets whose official answers get boxed (default: MATHBOT_DATA_DIR, "
        "else ../shared/data beside the working directory or the checkout, else /work/shared/data)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=defaults.seed,
        help="seeds the seeds of requests that send none: same seed, same answers (default: %(default)s)",
    )
    p.add_argument(
        "--sse-no-space",
        action="store_true",
        help="frame SSE events as `data:{...}` (older axum/TGI) instead of `data: {...}`",
    )
    p.add_argument(
        "--no-tokenize",
        action="store_true",
        help="answer 404 on /tokenize and /chat_tokenize, like a server without them",
    )
    p.add_argument("--log-level", default="INFO", help="logging level (default: %(default)s)")
    return p


def _data_dir(given: str | None) -> str | None:
    """`--data-dir`, else the problem sets `mathbot.data` finds (MATHBOT_DATA_DIR first); None: every
    answer is made up. A folder named outright that is not there is an error (ValueError)."""
    if given is not None:
        if not Path(given).is_dir():
            raise ValueError(f"--data-dir {given} is not a folder")
        return given
    from pydantic import ValidationError

    from mathbot.settings import Settings

    try:
        configured = Settings().data_dir
    except ValidationError as exc:
        from mathbot.cli import describe

        raise ValueError(f"invalid settings: {describe(exc)}") from None
    found = data.data_dir(configured)
    if found is None and configured:
        raise ValueError(f"{data.VARIABLE}={configured} is not a folder")
    if found is None:
        logger.warning("no problem sets found (looked in %s): every answer is made up", data.looked_in())
    return str(found) if found else None


async def _run(config: SimConfig, host: str, port: int) -> None:
    runner = web.AppRunner(
        make_app(config), access_log=logger if logger.isEnabledFor(logging.DEBUG) else None
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0] if runner.addresses else (host, port)
    print(
        f"mathbot sim: SIMULATED TGI (not a real model) serving {config.model_id} "
        f"on http://{bound[0]}:{bound[1]} (shape {config.shape}, "
        f"{config.tokens_per_second:g} tok/s per stream, capacity {config.capacity})",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def serve(config: SimConfig, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> None:
    """Run the simulator until interrupted (blocking)."""
    asyncio.run(_run(config, host, port))


def main(argv: list[str] | None = None) -> int:
    """Parse `argv` and serve; returns the process exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        config = SimConfig(
            tokens_per_second=args.tokens_per_second,
            capacity=args.capacity,
            tokens_per_chunk=args.tokens_per_chunk,
            max_total_tokens=args.max_total_tokens,
            max_input_tokens=args.max_input_tokens,
            reasoning_tokens=args.reasoning_tokens,
            accuracy=args.accuracy,
            shape=args.shape,
            reasoning_field=args.reasoning_field,
            data_dir=_data_dir(args.data_dir),
            seed=args.seed,
            sse_space=not args.sse_no_space,
            tokenize=not args.no_tokenize,
        )
    except ValueError as exc:
        print(f"mathbot sim: {exc}")
        return 2
    try:
        serve(config, args.host, args.port)
    except OSError as exc:  # port in use, address not available...
        print(f"mathbot sim: cannot listen on {args.host}:{args.port}: {exc}")
        return 1
    return 0
