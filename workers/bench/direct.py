"""The baseline: N chat completions streamed straight from the server by an httpx client, all at once.

The streams are spread over a few client processes (one asyncio loop each, at most STREAMS_PER_PROCESS
streams) so that the client's own parsing never becomes the bottleneck it would measure instead.
"""

from __future__ import annotations

import asyncio
import json
import math
import multiprocessing
import resource
import time
from dataclasses import dataclass
from typing import Any

import httpx

from mathbot.prompt import Message

STREAMS_PER_PROCESS = 64
"""Streams one client process carries (about 6,400 SSE events a second at 100 tokens/s each)."""


SEED = 20260101
"""Every stream's seed, the pipeline's too (MATHBOT_SEED): the simulator's answers are then all equally
long, so completion times compare the paths, not the samples."""


@dataclass(frozen=True)
class Stream:
    """One completion as the client saw it (wall-clock times, seconds since the epoch)."""

    sent: float
    first_token: float | None
    done: float | None
    tokens: int


def run(url: str, messages: list[Message], max_tokens: int, streams: int) -> tuple[list[Stream], float]:
    """Stream `streams` completions at once; returns them and the client processes' CPU seconds."""
    processes = max(1, math.ceil(streams / STREAMS_PER_PROCESS))
    shares = [streams // processes + (i < streams % processes) for i in range(processes)]
    start_at = time.time() + 0.5  # every process starts its requests at the same moment
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        results = pool.starmap(_process, [(url, messages, max_tokens, n, start_at) for n in shares])
    return [s for found, _ in results for s in found], sum(cpu for _, cpu in results)


def _process(
    url: str, messages: list[Message], max_tokens: int, streams: int, start_at: float
) -> tuple[list[Stream], float]:
    before = resource.getrusage(resource.RUSAGE_SELF)
    time.sleep(max(0.0, start_at - time.time()))
    found = asyncio.run(_streams(url, messages, max_tokens, streams))
    after = resource.getrusage(resource.RUSAGE_SELF)
    return found, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


async def _streams(url: str, messages: list[Message], max_tokens: int, streams: int) -> list[Stream]:
    limits = httpx.Limits(max_connections=streams + 4, max_keepalive_connections=streams + 4)
    timeout = httpx.Timeout(120.0, connect=10.0)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as client:
        return list(await asyncio.gather(*(_one(client, messages, max_tokens) for _ in range(streams))))


async def _one(client: httpx.AsyncClient, messages: list[Message], max_tokens: int) -> Stream:
    body: dict[str, Any] = {
        "model": "tgi",
        "messages": messages,
        "stream": True,
        "max_tokens": max_tokens,
        "temperature": 0.6,
        "top_p": 0.95,
        "seed": SEED,
    }
    sent, first, tokens, done = time.time(), None, 0, None
    async with client.stream("POST", "/v1/chat/completions", json=body) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                break
            chunk = json.loads(data)
            for choice in chunk.get("choices") or []:
                delta = choice.get("delta") or {}
                if delta.get("content") or delta.get("reasoning_content"):
                    tokens += 1
                    first = first or time.time()
                if choice.get("finish_reason"):
                    done = time.time()
    return Stream(sent, first, done, tokens)
