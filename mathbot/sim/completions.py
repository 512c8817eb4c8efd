"""`POST /v1/completions` (raw text in, raw text out), as vLLM, SGLang and TGI serve it.

What budget forcing uses on servers without TGI's `/generate_stream`: the client sends the templated
prompt, the reasoning so far and a closing `</think>`, and reads the conclusion back. Streamed, each
event is a `text_completion` chunk with one choice holding `text`; the last carries the finish reason,
then (with `stream_options.include_usage`) a chunk with no choices and the usage, then `data: [DONE]`.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from aiohttp import web

from mathbot.sim import modes, protocol
from mathbot.sim.engine import GenerationFailed, StreamDied, paced
from mathbot.sim.faults import Fault
from mathbot.sim.script import Plan
from mathbot.sim.state import SimState
from mathbot.sim.streams import SSE_HEADERS, collect, drop_connection, visible
from mathbot.sim.validation import GenerationRequest


def _chunk(
    state: SimState, ident: str, created: int, text: str | None, finish: str | None, usage: Any = None
) -> dict[str, Any]:
    choices = [] if text is None else [{"index": 0, "text": text, "logprobs": None, "finish_reason": finish}]
    return {
        "id": ident,
        "object": "text_completion",
        "created": created,
        "model": state.config.model_id,
        "choices": choices,
        "usage": usage,
    }


async def completion_stream(
    request: web.Request, state: SimState, req: GenerationRequest, plan: Plan, fault: Fault | None
) -> web.StreamResponse:
    """Stream a planned generation as `text_completion` chunks."""
    space, mode = state.config.sse_space, state.config.mode
    response = web.StreamResponse(headers=SSE_HEADERS)
    await response.prepare(request)
    ident, created, sent, total = f"cmpl-{uuid.uuid4().hex}", int(time.time()), 0, len(plan.pieces)
    try:
        try:
            async for batch in paced(state, plan.pieces, fault):
                sent += len(batch)
                text = "".join(p.text for p in batch if not p.special)
                finish = protocol.OPENAI_FINISH[plan.finish_reason] if sent == total else None
                out = protocol.sse(_chunk(state, ident, created, text, finish), space=space)
                if finish and req.include_usage:
                    usage = protocol.usage(req.input_tokens, total)
                    out += protocol.sse(_chunk(state, ident, created, None, None, usage), space=space)
                await response.write(out)
            await response.write(protocol.sse("[DONE]", space=space))
        except GenerationFailed as exc:
            state.stats.generations_failed += 1
            await response.write(protocol.sse(modes.stream_error(mode, exc.message), space=space))
        else:
            state.stats.generations_completed += 1
        await response.write_eof()
    except StreamDied:
        drop_connection(request, state)
    except ConnectionError:
        state.stats.clients_disconnected += 1
    return response


async def completion_once(
    request: web.Request, state: SimState, req: GenerationRequest, plan: Plan, fault: Fault | None
) -> web.Response:
    """The whole completion in one `text_completion` response."""
    failed = await collect(request, state, plan, fault)
    if failed is not None:
        return failed
    body = _chunk(
        state,
        f"cmpl-{uuid.uuid4().hex}",
        int(time.time()),
        visible(plan.pieces),
        protocol.OPENAI_FINISH[plan.finish_reason],
        protocol.usage(req.input_tokens, len(plan.pieces)),
    )
    return web.json_response(body)
