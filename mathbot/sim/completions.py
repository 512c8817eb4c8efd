"""`POST /v1/completions` (raw text in, raw text out), as vLLM, SGLang and TGI serve it.

What budget forcing uses on servers without TGI's `/generate_stream`: the client sends the templated
prompt, the reasoning so far and a closing `</think>`, and reads the conclusion back. Streamed, each
event is a `text_completion` chunk with one choice holding `text`; the last carries the finish reason,
then (with `stream_options.include_usage`) a chunk with no choices and the usage, then `data: [DONE]`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from mathbot.sim import modes, protocol
from mathbot.sim.engine import paced
from mathbot.sim.faults import Fault
from mathbot.sim.script import Plan
from mathbot.sim.state import SimState
from mathbot.sim.streams import collect, visible, write_sse
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

    async def events() -> AsyncIterator[bytes]:
        ident, created, sent, total = f"cmpl-{uuid.uuid4().hex}", int(time.time()), 0, len(plan.pieces)
        async for batch in paced(state, plan.pieces, fault):
            sent += len(batch)
            text = "".join(p.text for p in batch if not p.special)
            finish = protocol.OPENAI_FINISH[plan.finish_reason] if sent == total else None
            out = protocol.sse(_chunk(state, ident, created, text, finish), space=space)
            if finish and req.include_usage:
                usage = protocol.usage(req.input_tokens, total)
                out += protocol.sse(_chunk(state, ident, created, None, None, usage), space=space)
            yield out
        yield protocol.sse("[DONE]", space=space)

    def failed(message: str) -> bytes:
        return protocol.sse(modes.stream_error(mode, message), space=space)

    return await write_sse(request, state, events(), failed)


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
