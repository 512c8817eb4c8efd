"""What differs between the servers the simulator imitates: error bodies, length refusals, health, identity.

    mode          error body                             refusal  count / template endpoints
    tgi           {"error", "error_type"}                422      /tokenize, /chat_tokenize
    vllm          {"error": {"message", "type",          400      /tokenize (prompt or messages),
                  "param", "code"}} (vLLM >= 0.10)                /detokenize -> {"prompt"}
    sglang        {"object": "error", "message", "type", 400      /tokenize (prompt only),
                  "param", "code"}                                /detokenize -> {"text"}
    transformers  FastAPI's {"detail"}                   none     none

Every mode serves `/v1/chat/completions` and `/health`; TGI also `/generate(_stream)` and `/info`, vLLM
`/version`, SGLang `/get_model_info` and `/health_generate`; all but `transformers serve` serve
`/v1/completions`. vLLM and SGLang queue requests beyond their capacity instead of answering 429.
`transformers serve` (5.x, Qwen2 models) streams the whole templated prompt as the first `content`
chunk, then every generated token as `reasoning_content` (PITFALLS.md, "Real servers seen").
"""

from __future__ import annotations

from typing import Any

from mathbot.sim.config import SimConfig

VLLM_VERSION = "0.11.0"
"""What the simulator reports on vLLM's `GET /version`."""

TYPE_NAMES = {
    400: "BadRequestError",
    401: "AuthenticationError",
    404: "NotFoundError",
    422: "BadRequestError",
    429: "TooManyRequests",
    500: "InternalServerError",
    503: "ServiceUnavailableError",
}
"""The OpenAI-style `type` vLLM and SGLang put in an error body, by status."""


def error_body(mode: str, status: int, message: str, error_type: str) -> dict[str, Any]:
    """The JSON body of an error response in `mode`'s own shape (`error_type`: TGI's category)."""
    if mode == "tgi":
        return {"error": message, "error_type": error_type}
    if mode == "transformers":
        return {"detail": message}
    info = {"message": message, "type": TYPE_NAMES.get(status, "InternalServerError"), "param": None}
    if mode == "vllm":
        return {"error": {**info, "code": status}}
    return {"object": "error", **info, "code": status}


def stream_error(mode: str, message: str) -> dict[str, Any]:
    """An error event inside an SSE stream that already answered 200."""
    if mode == "tgi":
        return {"error": message, "error_type": "generation"}
    body = error_body(mode, 500, message, "")
    return body if mode == "vllm" else {"error": body}  # vLLM's body is already {"error": {...}}


def refusal_status(mode: str) -> int:
    """The HTTP status of a request the server refuses as invalid (TGI 422, the others 400)."""
    return 422 if mode in ("tgi", "transformers") else 400


def length_refusal(mode: str, input_tokens: int, max_new_tokens: int | None, config: SimConfig) -> str | None:
    """vLLM's and SGLang's words for a request over the context length (None: accepted). TGI's own checks
    are in `validation.check_lengths`; `transformers serve` checks nothing."""
    total = config.max_total_tokens
    if mode == "vllm":
        if input_tokens >= total:
            return (
                f"This model's maximum context length is {total} tokens. However, your request has "
                f"{input_tokens} input tokens. Please reduce the length of the input messages."
            )
        if max_new_tokens is not None and input_tokens + max_new_tokens > total:
            return (
                f"'max_tokens' or 'max_completion_tokens' is too large: {max_new_tokens}. This model's "
                f"maximum context length is {total} tokens and your request has {input_tokens} input "
                f"tokens ({max_new_tokens} > {total} - {input_tokens})."
            )
    if mode == "sglang":
        if input_tokens >= total:
            return (
                f"The input ({input_tokens} tokens) is longer than the model's context length "
                f"({total} tokens)."
            )
        # SGLang refuses a request that would exactly fill the context (>=, not >).
        if max_new_tokens is not None and input_tokens + max_new_tokens >= total:
            return (
                f"Requested token count exceeds the model's maximum context length of {total} tokens. "
                f"You requested a total of {input_tokens + max_new_tokens} tokens: {input_tokens} tokens "
                f"from the input messages and {max_new_tokens} tokens for the completion. Please reduce "
                "the number of tokens in the input messages or the completion to fit within the limit."
            )
    return None


def health(mode: str, healthy: bool) -> tuple[int, Any]:
    """`GET /health`: (status, JSON body or None for an empty one)."""
    if mode == "tgi":
        return (200, None) if healthy else (503, error_body("tgi", 503, "unhealthy", "healthcheck"))
    if mode == "transformers":
        return (200, {"status": "ok"}) if healthy else (503, {"detail": "unhealthy"})
    return (200, None) if healthy else (503, None)


def model_info(config: SimConfig) -> dict[str, Any]:
    """SGLang's `GET /get_model_info`."""
    return {
        "model_path": config.model_id,
        "tokenizer_path": config.model_id,
        "is_generation": True,
        "preferred_sampling_params": None,
        "weight_version": "default",
        "simulated": True,
    }


def models(config: SimConfig) -> dict[str, Any]:
    """`GET /v1/models` as vLLM, SGLang and `transformers serve` list their one model."""
    owner = {"vllm": "vllm", "sglang": "sglang"}.get(config.mode, "transformers")
    card: dict[str, Any] = {"id": config.model_id, "object": "model", "created": 0, "owned_by": owner}
    if config.mode in ("vllm", "sglang"):
        card["max_model_len"] = config.max_total_tokens
    return {"object": "list", "data": [card]}
