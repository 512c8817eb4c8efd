"""Continue a generation from raw text: the templated prompt, and the streams that carry on after it.

Budget forcing (`workers.rescue`) closes the model's reasoning for it and lets it conclude. That needs
the prompt exactly as the server's chat template renders it, plus the generated text so far, sent as
raw text: TGI's `/generate_stream` or `/v1/completions` (vLLM); or, on SGLang, chat with the partial
answer as the final assistant message and `continue_final_message`. Each route's deltas come back as
`Delta`s, like a chat stream's, and go through the same guard against servers that ignore the limit.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
from rq.timeouts import JobTimeoutException

from mathbot import errors, messages
from mathbot.prompt import Message
from workers.guard import Guard
from workers.inference import Delta, InferenceServer, Params, classify
from workers.probe import Profile

log = logging.getLogger(__name__)

TGI_FINISH = {"eos_token": "stop", "stop_sequence": "stop", "length": "length"}
"""TGI's native finish reasons in the chat API's words."""


def templated(server: InferenceServer, msgs: list[Message], profile: Profile) -> str:
    """The prompt as the server's chat template renders it, ending with the generation prompt."""
    body: dict[str, Any] = {"model": server.model, "messages": msgs}
    if profile.template == "chat_tokenize":
        return str(_json(server.post("/chat_tokenize", body))["templated_text"])
    if profile.template == "detokenize":
        tokens = _json(server.post("/tokenize", {**body, "add_generation_prompt": True}))["tokens"]
        return str(_json(server.post("/detokenize", {"model": server.model, "tokens": tokens}))["prompt"])
    raise errors.ServerRejected(messages.SERVER_REJECTED, detail="the server cannot render its chat template")


def _json(response: httpx.Response) -> Any:
    if response.status_code != 200:
        raise errors.from_http(response.status_code, response.text)
    try:
        return response.json()
    except ValueError as exc:
        raise errors.ServerRejected(messages.SERVER_REJECTED, detail="not JSON") from exc


def continue_text(server: InferenceServer, route: str, prompt: str, params: Params) -> Iterator[Delta]:
    """Generate after the raw `prompt` by `route` ("generate_stream" or "completions")."""
    sampling = {"temperature": params.temperature, "top_p": params.top_p, "seed": params.seed}
    if route == "generate_stream":
        path = "/generate_stream"
        body: dict[str, Any] = {
            "inputs": prompt,
            "parameters": {
                **sampling,
                "max_new_tokens": params.max_tokens,
                "do_sample": True,
                "details": True,
            },
        }
    else:  # the templated text already holds the BOS: vLLM must not add another
        path = "/v1/completions"
        body = {
            "model": server.model,
            "prompt": prompt,
            "max_tokens": params.max_tokens,
            "stream": True,
            "stream_options": {"include_usage": True},
            "add_special_tokens": False,
            **sampling,
        }
    guard = Guard(params.max_tokens)
    for event in _events(server, path, body):
        delta = _tgi_delta(event) if route == "generate_stream" else _completion_delta(event)
        cut = guard.check(delta.content, delta.completion_tokens)
        if cut and delta.finish_reason is None:
            log.warning("server=%s continuation stopped by mathbot: %s", server.label, cut)
            yield Delta(finish_reason="length", completion_tokens=guard.tokens, cut=cut)
            return
        yield delta


def continue_chat(
    server: InferenceServer, msgs: list[Message], prefix: str, params: Params
) -> Iterator[Delta]:
    """SGLang: continue `prefix` as the final assistant message (appended after the generation prompt),
    with the reasoning parser off so the conclusion arrives as content."""
    prefilled = [*msgs, {"role": "assistant", "content": prefix}]
    yield from server.stream(
        prefilled, params, extra={"continue_final_message": True, "separate_reasoning": False}
    )


def _events(server: InferenceServer, path: str, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The JSON events of a server-sent-event stream, until `[DONE]` or the end of the body."""
    finished = False
    try:
        with server.http.stream("POST", server.base_url + path, json=body) as response:
            if response.status_code >= 400:
                response.read()
                raise errors.from_http(response.status_code, response.text)
            for line in response.iter_lines():
                server.heartbeat()
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                event = json.loads(data)
                if isinstance(event, dict) and event.get("error") is not None:
                    raise _stream_error(event)
                finished = finished or _finished(event)
                yield event
    except (errors.MathbotError, JobTimeoutException):
        raise
    except ValueError as exc:
        raise errors.ServerUnavailable(messages.SERVER_FAILING, detail="unreadable stream") from exc
    except Exception as exc:
        error = classify(exc)
        if finished:
            return
        if error.user_message == messages.SERVER_DOWN:
            error = errors.ServerUnavailable(messages.SERVER_FAILING, detail=error.detail)
        raise error from exc


def _finished(event: dict[str, Any]) -> bool:
    details = event.get("details")
    choices = event.get("choices") or [{}]
    return bool(details) or any(isinstance(c, dict) and c.get("finish_reason") for c in choices)


def _stream_error(event: dict[str, Any]) -> errors.ServerError:
    """An error event after a 200: TGI's `{"error", "error_type"}`, or vLLM's and SGLang's objects."""
    error = event["error"]
    text = error if isinstance(error, str) else json.dumps(error)[:300]
    if event.get("error_type") == "overloaded":
        return errors.ServerOverloaded(messages.SERVER_OVERLOADED, detail=text)
    if event.get("error_type") == "validation":
        return errors.budget_rejection(text) or errors.ServerRejected(messages.SERVER_REJECTED, detail=text)
    return errors.ServerUnavailable(messages.SERVER_FAILING, detail=text)


def _tgi_delta(event: dict[str, Any]) -> Delta:
    """One `/generate_stream` event: a token (special ones show no text); the last carries details."""
    token = event.get("token") or {}
    text = "" if token.get("special") else str(token.get("text") or "")
    details = event.get("details") or {}
    finish = details.get("finish_reason")
    if finish is None and event.get("generated_text") is not None:
        finish = "eos_token"  # the last event, from a server that sends no details
    return Delta(
        content=text,
        finish_reason=TGI_FINISH.get(finish, "stop") if finish else None,
        completion_tokens=details.get("generated_tokens"),
    )


def _completion_delta(event: dict[str, Any]) -> Delta:
    """One `/v1/completions` chunk (or the usage chunk with no choices)."""
    usage = event.get("usage") or {}
    choices = event.get("choices") or []
    choice = choices[0] if choices else {}
    return Delta(
        content=str(choice.get("text") or ""),
        finish_reason=choice.get("finish_reason"),
        completion_tokens=usage.get("completion_tokens"),
    )
