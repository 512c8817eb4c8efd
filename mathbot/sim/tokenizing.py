"""The token-count and template endpoints, each server's own: TGI's `/tokenize` and `/chat_tokenize`,
vLLM's `/tokenize` (a prompt, or chat messages with the template applied) and `/detokenize`, SGLang's
`/tokenize` (prompts only) and `/detokenize`. `transformers serve` has none of them."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mathbot.sim import protocol
from mathbot.sim.state import SimState
from mathbot.sim.template import apply_chat_template
from mathbot.sim.tokens import BOS, Token, token_id, tokenize
from mathbot.sim.validation import BodyError, ValidationFailure, parse_messages, read_json

NO_TOKENIZER = "No fast tokenizer available"
"""TGI's error when it cannot tokenize (what the simulator answers with `tokenize` off)."""


def _tokens(state: SimState, text: str, bos: bool = False) -> list[Token]:
    """The pieces of `text` (after a BOS token when `bos`), with ids that /detokenize maps back.

    The toy tokenizer's ids are hashes, which collide now and then; here every distinct piece gets an id
    of its own (special tokens keep their real ones), so a round trip gives the very same text."""
    tokens = ([Token(token_id(BOS), BOS, 0, 0, True)] if bos else []) + tokenize(text)
    return [t if t.special else t._replace(id=state.intern(t.text)) for t in tokens]


async def tgi_tokenize(request: web.Request, state: SimState) -> web.Response:
    """TGI `POST /tokenize`: the toy tokenizer's pieces of `inputs`."""
    body = read_json(await request.read())
    if not isinstance(body, dict) or not isinstance(body.get("inputs"), str):
        raise BodyError(
            422, "Failed to deserialize the JSON body into the target type: missing field `inputs`"
        )
    return web.json_response(protocol.simple_tokens(_tokens(state, body["inputs"])))


async def tgi_chat_tokenize(request: web.Request, state: SimState) -> web.Response:
    """TGI `POST /chat_tokenize`: the templated prompt and its tokens."""
    text = apply_chat_template(parse_messages(read_json(await request.read())))
    return web.json_response(
        {"tokenize_response": protocol.simple_tokens(_tokens(state, text)), "templated_text": text}
    )


async def vllm_tokenize(request: web.Request, state: SimState) -> web.Response:
    """vLLM `POST /tokenize`: `prompt` (BOS added unless `add_special_tokens` is false), or `messages`
    through the chat template (`add_generation_prompt`, default true)."""
    body = read_json(await request.read())
    if isinstance(body, dict) and "messages" in body:
        generation = body.get("add_generation_prompt", True) is not False
        if generation and body.get("continue_final_message"):
            raise ValidationFailure(
                "Cannot set both `continue_final_message` and `add_generation_prompt` to True."
            )
        text = apply_chat_template(parse_messages(body), add_generation_prompt=generation)
        tokens = _tokens(state, text, bos=bool(body.get("add_special_tokens", False)))
    elif isinstance(body, dict) and isinstance(body.get("prompt"), str):
        tokens = _tokens(state, body["prompt"], bos=body.get("add_special_tokens", True) is not False)
    else:
        raise BodyError(400, "Either `prompt` or `messages` should be provided.")
    ids = [t.id for t in tokens]
    return web.json_response(
        {"count": len(ids), "max_model_len": state.config.max_total_tokens, "tokens": ids, "token_strs": None}
    )


def _ids(body: Any) -> list[int]:
    tokens = body.get("tokens") if isinstance(body, dict) else None
    if not isinstance(tokens, list) or any(isinstance(t, bool) or not isinstance(t, int) for t in tokens):
        raise BodyError(400, "tokens: a list of integers is required")
    return tokens


def _decode(state: SimState, ids: list[int], skip_special: bool) -> str:
    unknown = [i for i in ids if i not in state.vocab]
    if unknown:
        raise ValidationFailure(f"Token ids {unknown[:5]} are out of vocabulary")
    special = {token_id(BOS)} if skip_special else set()
    return "".join(state.vocab[i] for i in ids if i not in special)


async def vllm_detokenize(request: web.Request, state: SimState) -> web.Response:
    """vLLM `POST /detokenize`: `{"prompt": text}`, special tokens kept (what the template wrote)."""
    return web.json_response({"prompt": _decode(state, _ids(read_json(await request.read())), False)})


async def sglang_tokenize(request: web.Request, state: SimState) -> web.Response:
    """SGLang `POST /tokenize`: `prompt` only (a string or a list of strings), no chat template."""
    body = read_json(await request.read())
    prompt = body.get("prompt") if isinstance(body, dict) else None
    bos = not isinstance(body, dict) or body.get("add_special_tokens", True) is not False
    limit = state.config.max_total_tokens
    if isinstance(prompt, str):
        ids = [t.id for t in _tokens(state, prompt, bos)]
        return web.json_response({"tokens": ids, "count": len(ids), "max_model_len": limit})
    if isinstance(prompt, list) and all(isinstance(p, str) for p in prompt):
        lists = [[t.id for t in _tokens(state, p, bos)] for p in prompt]
        return web.json_response({"tokens": lists, "count": [len(x) for x in lists], "max_model_len": limit})
    raise BodyError(400, "1 validation error for TokenizeRequest\nprompt\n  Field required")


async def sglang_detokenize(request: web.Request, state: SimState) -> web.Response:
    """SGLang `POST /detokenize`: `{"text": text}` (special tokens skipped unless asked otherwise)."""
    body = read_json(await request.read())
    skip = not isinstance(body, dict) or body.get("skip_special_tokens", True) is not False
    return web.json_response({"text": _decode(state, _ids(body), skip)})


ROUTES = {
    "tgi": {"/tokenize": tgi_tokenize, "/chat_tokenize": tgi_chat_tokenize},
    "vllm": {"/tokenize": vllm_tokenize, "/detokenize": vllm_detokenize},
    "sglang": {"/tokenize": sglang_tokenize, "/detokenize": sglang_detokenize},
    "transformers": {},
}
"""The token endpoints each mode serves (all POST)."""
