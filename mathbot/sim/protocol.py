"""Pure builders of TGI's JSON payloads and SSE framing (shapes from TGI 3.3's OpenAPI spec)."""

from __future__ import annotations

import json
from typing import Any

from mathbot.sim.config import DOCKER_LABEL, MAX_STOP_SEQUENCES, ROUTER_NAME, TGI_VERSION, SimConfig
from mathbot.sim.script import Piece

OPENAI_FINISH = {"eos_token": "stop", "stop_sequence": "stop", "length": "length"}
"""TGI's `FinishReason.format(true)`: how the chat API names native finish reasons."""


def error_body(message: str, error_type: str) -> dict[str, str]:
    """TGI's `ErrorResponse`."""
    return {"error": message, "error_type": error_type}


def system_fingerprint() -> str:
    """TGI builds it as "<version>-<docker_label or 'native'>"."""
    return f"{TGI_VERSION}-{DOCKER_LABEL}"


def info(config: SimConfig) -> dict[str, Any]:
    """`GET /info` (`Info`), saying plainly that the server is simulated."""
    return {
        "model_id": config.model_id,
        "model_sha": None,
        "model_pipeline_tag": "text-generation",
        "max_concurrent_requests": config.capacity,
        "max_best_of": 2,
        "max_stop_sequences": MAX_STOP_SEQUENCES,
        "max_input_tokens": config.max_input_tokens,
        "max_total_tokens": config.max_total_tokens,
        "validation_workers": 2,
        "max_client_batch_size": 4,
        "router": ROUTER_NAME,
        "version": TGI_VERSION,
        "sha": None,
        "docker_label": DOCKER_LABEL,
        "simulated": True,
        "shape": config.shape,
    }


def models(config: SimConfig) -> dict[str, Any]:
    """`GET /v1/models`: TGI's `ModelsInfo` list holding one `ModelInfo`."""
    return {
        "object": "list",
        "data": [{"id": config.model_id, "object": "model", "created": 0, "owned_by": config.model_id}],
    }


def simple_tokens(tokens: list[Any]) -> list[dict[str, Any]]:
    """`TokenizeResponse`: `{id, text, start, stop}` per token."""
    return [{"id": t.id, "text": t.text, "start": t.start, "stop": t.stop} for t in tokens]


def usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    """OpenAI/TGI `Usage`."""
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def chat_delta(
    text: str | None, *, reasoning: str | None = None, reasoning_field: str = ""
) -> dict[str, Any]:
    """A chunk's delta: TGI repeats the role in every chunk; the reasoning field only in "split"."""
    delta: dict[str, Any] = {"role": "assistant"}
    if reasoning is not None:
        delta[reasoning_field] = reasoning
    if text is not None or reasoning is None:
        delta["content"] = text or ""
    return delta


def chat_chunk(
    config: SimConfig, created: int, delta: dict[str, Any], finish_reason: str | None = None
) -> dict[str, Any]:
    """`ChatCompletionChunk` of one token (TGI sends `usage` separately: see `usage_chunk`)."""
    choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
    return _chunk(config, created, [choice], None)


def usage_chunk(config: SimConfig, created: int, usage_: dict[str, int]) -> dict[str, Any]:
    """The chunk TGI 3.x streams after the finishing one when `stream_options.include_usage` is set:
    no choices, only `usage` (router/src/chat.rs, `ChatState::push`)."""
    return _chunk(config, created, [], usage_)


def _chunk(
    config: SimConfig, created: int, choices: list[dict[str, Any]], usage_: dict[str, int] | None
) -> dict[str, Any]:
    return {
        "object": "chat.completion.chunk",
        "id": "",
        "created": created,
        "model": config.model_id,
        "system_fingerprint": system_fingerprint(),
        "choices": choices,
        "usage": usage_,
    }


def chat_completion(
    config: SimConfig,
    created: int,
    message: dict[str, Any],
    finish_reason: str,
    usage_: dict[str, int],
) -> dict[str, Any]:
    """`ChatCompletion` (non-streaming)."""
    return {
        "object": "chat.completion",
        "id": "",
        "created": created,
        "model": config.model_id,
        "system_fingerprint": system_fingerprint(),
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}],
        "usage": usage_,
    }


def token(piece: Piece) -> dict[str, Any]:
    """TGI's `Token` (the simulator has no real log-probabilities; it reports a fixed one)."""
    return {"id": piece.id, "text": piece.text, "logprob": -0.25, "special": piece.special}


def stream_response(
    piece: Piece, index: int, generated_text: str | None = None, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One `/generate_stream` event (`StreamResponse`); the last carries the text and maybe details."""
    return {
        "index": index,
        "token": token(piece),
        "top_tokens": None,
        "generated_text": generated_text,
        "details": details,
    }


def sse(payload: dict[str, Any] | str, *, space: bool = True) -> bytes:
    """One server-sent event: `data: <json>` and a blank line (`data:<json>` when `space` is False)."""
    data = (
        payload
        if isinstance(payload, str)
        else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    )
    return f"data:{' ' if space else ''}{data}\n\n".encode()
