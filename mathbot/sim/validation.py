"""Read and validate generation requests the way TGI's router does, with TGI's own error messages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mathbot.sim import modes
from mathbot.sim.config import MAX_STOP_SEQUENCES, SimConfig
from mathbot.sim.template import (
    apply_chat_template,
    concluding,
    last_user_text,
    message_text,
    problem_from_prompt,
)
from mathbot.sim.tokens import count_tokens

MAX_BEST_OF = 2
"""TGI's default `--max-best-of`."""


class BodyError(Exception):
    """A body TGI's JSON extractor (axum) rejects before validation: it answers in plain text."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class ValidationFailure(Exception):
    """A request the server's validation rejects: TGI's 422 `{"error": ..., "error_type": "validation"}`,
    or vLLM's and SGLang's 400 in their own shapes (`modes.error_body`)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class GenerationRequest:
    """One validated generation, whichever endpoint it came from."""

    prompt: str
    problem: str
    input_tokens: int
    max_new_tokens: int
    seed: int | None
    sampling: bool
    stop: tuple[str, ...]
    stream: bool
    include_usage: bool = False
    details: bool = False
    return_full_text: bool = False
    concluding: bool = False
    """The prompt already holds closed reasoning (budget forcing): the model only concludes."""
    separate_reasoning: bool = True
    """SGLang's `separate_reasoning`: False sends the reasoning as `content` too."""


def read_json(raw: bytes) -> Any:
    """Parse a request body; a syntax error is axum's plain-text 400."""
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BodyError(400, f"Failed to parse the request body as JSON: {exc}") from None


def _deserialize_error(detail: str) -> BodyError:
    return BodyError(422, f"Failed to deserialize the JSON body into the target type: {detail}")


def _get(body: dict[str, Any], name: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
    value = body.get(name)
    if value is None:
        return default
    wrong_bool = isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,))
    if wrong_bool or not isinstance(value, kind):
        raise _deserialize_error(f"{name}: invalid type: {type(value).__name__} {value!r}")
    return value


def _stop(body: dict[str, Any]) -> tuple[str, ...]:
    stop = _get(body, "stop", list, [])
    if not all(isinstance(s, str) for s in stop):
        raise _deserialize_error("stop: invalid type: expected a sequence of strings")
    if len(stop) > MAX_STOP_SEQUENCES:
        raise ValidationFailure(
            f"`stop` supports up to {MAX_STOP_SEQUENCES} stop sequences. Given: {len(stop)}"
        )
    return tuple(stop)


def _check_sampling(
    temperature: float | None, top_p: float | None, frequency_penalty: float | None, mode: str = "tgi"
) -> None:
    if mode != "tgi":  # vLLM and SGLang take temperature 0 (greedy) and top_p 1
        if (temperature is not None and temperature < 0) or (top_p is not None and not 0 < top_p <= 1):
            raise ValidationFailure("temperature must be >= 0 and top_p in (0, 1]")
        return
    if temperature is not None and temperature <= 0:
        raise ValidationFailure("`temperature` must be strictly positive")
    if frequency_penalty is not None and not -2.0 <= frequency_penalty <= 2.0:
        raise ValidationFailure("`frequency_penalty` must be >= -2.0 and <= 2.0")
    if top_p is not None and not 0.0 < top_p < 1.0:
        raise ValidationFailure("`top_p` must be > 0.0 and < 1.0")


def check_lengths(input_tokens: int, max_new_tokens: int | None, config: SimConfig) -> int:
    """The server's length checks (TGI's, in TGI's order, or those of `config.mode`); returns the
    effective `max_new_tokens`."""
    if config.mode != "tgi":
        refusal = modes.length_refusal(config.mode, input_tokens, max_new_tokens, config)
        if refusal is not None:
            raise ValidationFailure(refusal)
        if max_new_tokens is None:
            return max(config.max_total_tokens - input_tokens, 1)
        return max_new_tokens
    if max_new_tokens == 0:
        raise ValidationFailure("`max_new_tokens` must be strictly positive")
    if max_new_tokens is None:  # TGI: generate up to the total budget
        max_new_tokens = max(config.max_total_tokens - input_tokens, 0)
    if input_tokens + max_new_tokens > config.max_total_tokens:
        raise ValidationFailure(
            f"`inputs` tokens + `max_new_tokens` must be <= {config.max_total_tokens}. "
            f"Given: {input_tokens} `inputs` tokens and {max_new_tokens} `max_new_tokens`"
        )
    if input_tokens > config.max_input_tokens:
        raise ValidationFailure(
            f"`inputs` must have less than {config.max_input_tokens} tokens. Given: {input_tokens}"
        )
    return max_new_tokens


def parse_messages(body: Any) -> list[dict[str, Any]]:
    """The `messages` of a `ChatRequest`, checked as strictly as TGI's deserializer."""
    if not isinstance(body, dict):
        raise _deserialize_error("invalid type: expected struct ChatRequest")
    messages = body.get("messages")
    if messages is None:
        raise _deserialize_error("missing field `messages`")
    if not isinstance(messages, list):
        raise _deserialize_error("messages: invalid type: expected a sequence")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise _deserialize_error(f"messages[{i}]: missing field `role`")
        if "content" not in message and "tool_calls" not in message:
            raise _deserialize_error(
                f"messages[{i}]: data did not match any variant of untagged enum MessageBody"
            )
    return messages


def parse_chat(body: Any, config: SimConfig) -> GenerationRequest:
    """Validate a `/v1/chat/completions` body (`ChatRequest`)."""
    messages = parse_messages(body)
    temperature = _get(body, "temperature", (int, float))
    top_p = _get(body, "top_p", (int, float))
    max_tokens = _get(body, "max_tokens", int)
    seed = _get(body, "seed", int)
    stream = _get(body, "stream", bool, False)
    options = _get(body, "stream_options", dict, {})
    if max_tokens is not None and max_tokens < 0:
        raise _deserialize_error(f"max_tokens: invalid value: integer `{max_tokens}`, expected u32")
    if seed is not None and seed < 0:
        raise _deserialize_error(f"seed: invalid value: integer `{seed}`, expected u64")
    # TGI's chat API turns temperature 0 into greedy decoding; other values go to validation.
    sampling = temperature != 0
    frequency_penalty = _get(body, "frequency_penalty", (int, float))
    _check_sampling(temperature if sampling else None, top_p, frequency_penalty, config.mode)
    stop = _stop(body)
    prompt = apply_chat_template(messages)
    continued = bool(body.get("continue_final_message")) and bool(messages)
    prefilled = config.mode == "sglang" and continued and messages[-1]["role"] == "assistant"
    if prefilled:  # SGLang: the last assistant message is continued, appended after the generation prompt
        prompt = apply_chat_template(messages[:-1]) + message_text(messages[-1].get("content"))
    input_tokens = count_tokens(prompt)
    return GenerationRequest(
        prompt=prompt,
        problem=last_user_text(messages),
        input_tokens=input_tokens,
        max_new_tokens=check_lengths(input_tokens, max_tokens, config),
        seed=seed,
        sampling=sampling,
        stop=stop,
        stream=stream,
        include_usage=bool(options.get("include_usage")),
        concluding=prefilled and concluding(prompt),
        separate_reasoning=body.get("separate_reasoning") is not False,
    )


COMPLETION_DEFAULT_MAX_TOKENS = 16
"""`max_tokens` of a `/v1/completions` request that sends none (OpenAI's default, kept by vLLM and SGLang)."""


def parse_completion(body: Any, config: SimConfig) -> GenerationRequest:
    """Validate a `/v1/completions` body: a text prompt (vLLM adds a BOS unless `add_special_tokens` is
    false)."""
    if not isinstance(body, dict) or not isinstance(body.get("prompt"), str):
        raise BodyError(400, "prompt: a string is required")
    prompt = body["prompt"]
    temperature = _get(body, "temperature", (int, float))
    top_p = _get(body, "top_p", (int, float))
    options = _get(body, "stream_options", dict, {})
    _check_sampling(temperature, top_p, None, config.mode)
    bos = config.mode == "vllm" and body.get("add_special_tokens", True) is not False
    input_tokens = count_tokens(prompt) + int(bos)
    max_tokens = _get(body, "max_tokens", int, COMPLETION_DEFAULT_MAX_TOKENS)
    return GenerationRequest(
        prompt=prompt,
        problem=problem_from_prompt(prompt),
        input_tokens=input_tokens,
        max_new_tokens=check_lengths(input_tokens, max_tokens, config),
        seed=_get(body, "seed", int),
        sampling=temperature != 0,
        stop=_stop(body),
        stream=_get(body, "stream", bool, False),
        include_usage=bool(options.get("include_usage")),
        concluding=concluding(prompt),
    )


def parse_generate(body: Any, config: SimConfig, *, stream: bool) -> GenerationRequest:
    """Validate a `/generate` or `/generate_stream` body (`GenerateRequest`)."""
    if not isinstance(body, dict):
        raise _deserialize_error("invalid type: expected struct GenerateRequest")
    if "inputs" not in body:
        raise _deserialize_error("missing field `inputs`")
    inputs = _get(body, "inputs", str, "")
    params = _get(body, "parameters", dict, {})
    temperature = _get(params, "temperature", (int, float))
    top_p = _get(params, "top_p", (int, float))
    top_k = _get(params, "top_k", int)
    typical_p = _get(params, "typical_p", (int, float))
    repetition_penalty = _get(params, "repetition_penalty", (int, float))
    best_of = _get(params, "best_of", int, 1)
    seed = _get(params, "seed", int)
    max_new_tokens = _get(params, "max_new_tokens", int)
    if best_of > 1 and stream:
        raise ValidationFailure("`best_of` != 1 is not supported when streaming tokens")
    if not 0 < best_of <= MAX_BEST_OF:
        raise ValidationFailure(f"`best_of` must be > 0 and <= {MAX_BEST_OF}. Given: {best_of}")
    if stream and _get(params, "decoder_input_details", bool, False):
        raise ValidationFailure("`decoder_input_details` == true is not supported when streaming tokens")
    _check_sampling(temperature, top_p, _get(params, "frequency_penalty", (int, float)))
    if repetition_penalty is not None and repetition_penalty <= 0:
        raise ValidationFailure("`repetition_penalty` must be strictly positive")
    if typical_p is not None and not 0.0 < typical_p < 1.0:
        raise ValidationFailure("`typical_p` must be > 0.0 and < 1.0")
    if top_k is not None and top_k <= 0:
        raise ValidationFailure("`top_k` must be strictly positive")
    if max_new_tokens == 0:
        raise ValidationFailure("`max_new_tokens` must be strictly positive")
    stop = _stop(params)
    if not inputs:
        raise ValidationFailure("`inputs` cannot be empty")
    input_tokens = count_tokens(inputs)
    sampling = bool(_get(params, "do_sample", bool, False)) or any(
        v is not None for v in (temperature, top_p, top_k, typical_p)
    )
    return GenerationRequest(
        prompt=inputs,
        problem=problem_from_prompt(inputs),
        concluding=concluding(inputs),
        input_tokens=input_tokens,
        max_new_tokens=check_lengths(input_tokens, max_new_tokens, config),
        seed=seed,
        sampling=sampling,
        stop=stop,
        stream=stream,
        details=bool(_get(params, "details", bool, False)),
        return_full_text=bool(_get(params, "return_full_text", bool, False)),
    )
