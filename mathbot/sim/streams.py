"""Write a planned generation as TGI does: chat or native, streamed (SSE) or in one JSON response."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from aiohttp import web

from mathbot.sim import modes, protocol
from mathbot.sim.engine import GenerationFailed, StreamDied, paced
from mathbot.sim.faults import Fault
from mathbot.sim.script import Piece, Plan
from mathbot.sim.state import SimState
from mathbot.sim.validation import GenerationRequest

SSE_HEADERS = {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",
    "x-compute-type": "simulated",
}
"""Headers TGI sends on its streams (with a compute type that gives the simulator away)."""


def error_response(status: int, message: str, error_type: str, mode: str = "tgi") -> web.Response:
    """An error with the given HTTP status, in the body shape of the server `mode` imitates (TGI's
    `ErrorResponse` by default)."""
    return web.json_response(modes.error_body(mode, status, message, error_type), status=status)


def drop_connection(request: web.Request, state: SimState) -> None:
    """Close the socket mid-response, the way a crashed or restarted server looks to the client."""
    state.stats.generations_failed += 1
    if request.transport is not None:
        request.transport.close()  # what was written still goes out, then the socket ends mid-body


def visible(pieces: tuple[Piece, ...], part: str | None = None) -> str:
    return "".join(p.text for p in pieces if not p.special and (part is None or p.part == part))


def _chat_delta(piece: Piece, state: SimState, separate: bool = True) -> dict[str, Any] | None:
    """The delta of one token's chunk, or None when TGI/vLLM would send no text for it."""
    if piece.special:
        return None
    if state.config.mode == "transformers":  # its parser misses the anchor: every token is "reasoning"
        return protocol.chat_delta(None, reasoning=piece.text, reasoning_field="reasoning_content")
    if state.config.shape != "split" or not separate:
        return protocol.chat_delta(piece.text)
    if piece.part == "reasoning":
        return protocol.chat_delta(None, reasoning=piece.text, reasoning_field=state.config.reasoning_field)
    return protocol.chat_delta(piece.text) if piece.part == "content" else None


def _chat_deltas(
    batch: Sequence[Piece], state: SimState, *, ends: bool, separate: bool = True
) -> list[dict[str, Any]]:
    """Deltas for a batch of tokens: one per token, or up to `tokens_per_chunk` tokens of one kind merged.

    When the batch `ends` the generation, the last delta is the one to carry the finish reason: the last
    token's text, or an empty content when that token shows nothing (the end-of-sentence token).
    """
    deltas: list[dict[str, Any]] = []
    merged, shown = 0, None
    for piece in batch:
        shown = _chat_delta(piece, state, separate)
        if shown is None:
            continue
        if deltas and merged < state.config.tokens_per_chunk and deltas[-1].keys() == shown.keys():
            for key, value in shown.items():
                if key != "role":
                    deltas[-1][key] += value
            merged += 1
        else:
            deltas.append(shown)
            merged = 1
    if ends and shown is None:
        deltas.append(protocol.chat_delta(""))
    return deltas


async def _open_sse(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers=SSE_HEADERS)
    await response.prepare(request)
    return response


async def write_sse(
    request: web.Request, state: SimState, events: AsyncIterator[bytes], failed: Callable[[str], bytes]
) -> web.StreamResponse:
    """Open an SSE response and write each of `events` as it comes. A generation that fails ends the
    stream with `failed(message)` (the error event of the server imitated, after a 200); a stream that
    dies drops the connection; a client that went away is counted."""
    response = await _open_sse(request)
    try:
        try:
            async for out in events:
                await response.write(out)
        except GenerationFailed as exc:
            state.stats.generations_failed += 1
            await response.write(failed(exc.message))
        else:
            state.stats.generations_completed += 1
        await response.write_eof()
    except StreamDied:
        drop_connection(request, state)
    except ConnectionError:
        state.stats.clients_disconnected += 1
    return response


async def chat_stream(
    request: web.Request, state: SimState, req: GenerationRequest, plan: Plan, fault: Fault | None
) -> web.StreamResponse:
    """`/v1/chat/completions` with `stream: true`: one chunk per token (the last with the finish reason),
    with `include_usage` a usage chunk with no choices, and `data: [DONE]` at the end."""
    config, space = state.config, state.config.sse_space

    async def events() -> AsyncIterator[bytes]:
        created, sent, total = int(time.time()), 0, len(plan.pieces)
        if config.mode == "transformers":  # `transformers serve` echoes the templated prompt first
            echo = protocol.chat_chunk(config, created, protocol.chat_delta(req.prompt))
            yield protocol.sse(echo, space=space)
        async for batch in paced(state, plan.pieces, fault):
            sent += len(batch)
            deltas = _chat_deltas(batch, state, ends=sent == total, separate=req.separate_reasoning)
            out = bytearray()
            for delta in deltas[:-1] if sent == total else deltas:
                out += protocol.sse(protocol.chat_chunk(config, created, delta), space=space)
            if sent == total:
                finish = protocol.OPENAI_FINISH[plan.finish_reason]
                out += protocol.sse(protocol.chat_chunk(config, created, deltas[-1], finish), space=space)
                if req.include_usage:  # TGI 3.x: a chunk of its own, with no choices, after the finish
                    usage = protocol.usage(req.input_tokens, total)
                    out += protocol.sse(protocol.usage_chunk(config, created, usage), space=space)
            yield bytes(out)
        yield protocol.sse("[DONE]", space=space)

    def failed(message: str) -> bytes:  # TGI reports it in the stream, after a 200
        return protocol.sse(modes.stream_error(config.mode, message), space=space)

    return await write_sse(request, state, events(), failed)


async def collect(
    request: web.Request, state: SimState, plan: Plan, fault: Fault | None
) -> web.Response | None:
    """Wait out a non-streamed generation; the response to send instead if a fault fired."""
    try:
        async for _ in paced(state, plan.pieces, fault):
            pass
    except StreamDied:
        drop_connection(request, state)
        return web.Response()  # never reaches the client: the socket is gone
    except GenerationFailed as exc:
        state.stats.generations_failed += 1
        mode = state.config.mode
        return error_response(424 if mode == "tgi" else 500, exc.message, "generation", mode)
    state.stats.generations_completed += 1
    return None


def _headers(req: GenerationRequest, plan: Plan) -> dict[str, str]:
    return {
        "x-compute-type": "simulated",
        "x-prompt-tokens": str(req.input_tokens),
        "x-generated-tokens": str(len(plan.pieces)),
    }


async def chat_once(
    request: web.Request, state: SimState, req: GenerationRequest, plan: Plan, fault: Fault | None
) -> web.Response:
    """`/v1/chat/completions` without streaming: a `ChatCompletion` once generation is done."""
    failed = await collect(request, state, plan, fault)
    if failed is not None:
        return failed
    message: dict[str, Any] = {"role": "assistant", "content": visible(plan.pieces)}
    if state.config.shape == "split":
        message["content"] = visible(plan.pieces, "content")
        message[state.config.reasoning_field] = visible(plan.pieces, "reasoning")
    body = protocol.chat_completion(
        state.config,
        int(time.time()),
        message,
        protocol.OPENAI_FINISH[plan.finish_reason],
        protocol.usage(req.input_tokens, len(plan.pieces)),
    )
    return web.json_response(body, headers=_headers(req, plan))


async def generate_stream(
    request: web.Request, state: SimState, req: GenerationRequest, plan: Plan, fault: Fault | None, seed: int
) -> web.StreamResponse:
    """`/generate_stream`: one `StreamResponse` per token; the last has `generated_text` (and details)."""
    space = state.config.sse_space

    async def events() -> AsyncIterator[bytes]:
        last, index = len(plan.pieces), 0
        async for batch in paced(state, plan.pieces, fault):
            out = bytearray()
            for piece in batch:
                index += 1  # TGI counts stream events from 1
                if index < last:
                    out += protocol.sse(protocol.stream_response(piece, index), space=space)
                    continue
                text = (req.prompt if req.return_full_text else "") + visible(plan.pieces)
                details = _stream_details(req, plan, seed) if req.details else None
                out += protocol.sse(protocol.stream_response(piece, index, text, details), space=space)
            yield bytes(out)

    def failed(message: str) -> bytes:
        return protocol.sse(protocol.error_body(message, "generation"), space=space)

    return await write_sse(request, state, events(), failed)


def _stream_details(req: GenerationRequest, plan: Plan, seed: int) -> dict[str, Any]:
    return {
        "finish_reason": plan.finish_reason,
        "generated_tokens": len(plan.pieces),
        "seed": seed if req.sampling else None,
        "input_length": req.input_tokens,
    }


async def generate_once(
    request: web.Request,
    state: SimState,
    req: GenerationRequest,
    plan: Plan,
    fault: Fault | None,
    seed: int,
    *,
    as_list: bool = False,
) -> web.Response:
    """`/generate`: a `GenerateResponse` once generation is done."""
    failed = await collect(request, state, plan, fault)
    if failed is not None:
        return failed
    body: dict[str, Any] = {
        "generated_text": (req.prompt if req.return_full_text else "") + visible(plan.pieces),
        "details": None,
    }
    if req.details:
        body["details"] = {
            "finish_reason": plan.finish_reason,
            "generated_tokens": len(plan.pieces),
            "seed": seed if req.sampling else None,
            "prefill": [],
            "tokens": [protocol.token(p) for p in plan.pieces],
            "top_tokens": None,
            "best_of_sequences": None,
        }
    return web.json_response([body] if as_list else body, headers=_headers(req, plan))
