"""The aiohttp application: TGI's HTTP routes, plus the `/_sim/*` control API for tests."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from mathbot.sim import protocol, streams
from mathbot.sim.config import SimConfig
from mathbot.sim.engine import plan_for
from mathbot.sim.faults import REQUEST_KINDS, STREAM_KINDS, Fault, FaultSpecError, parse_fault_spec
from mathbot.sim.problems import ProblemBank
from mathbot.sim.script import Plan
from mathbot.sim.state import SimState
from mathbot.sim.template import apply_chat_template
from mathbot.sim.tokens import tokenize
from mathbot.sim.validation import (
    BodyError,
    GenerationRequest,
    ValidationFailure,
    parse_chat,
    parse_generate,
    parse_messages,
    read_json,
)

logger = logging.getLogger(__name__)

STATE = web.AppKey("mathbot_sim_state", SimState)
"""Where the app keeps its SimState."""

CONTROL_PREFIX = "/_sim/"
"""Routes under this prefix are the simulator's own, not TGI's, and are not counted as requests."""

Writer = Callable[[GenerationRequest, Plan, Fault | None, int], Awaitable[web.StreamResponse]]
"""Writes a planned generation: (request, plan, stream fault, seed) -> response."""


@web.middleware
async def _tgi_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Count requests, and answer body and validation errors the way TGI does."""
    state = request.app[STATE]
    if not request.path.startswith(CONTROL_PREFIX):
        state.stats.requests[request.path] += 1
    try:
        return await handler(request)
    except BodyError as exc:  # axum's extractor answers in plain text
        return web.Response(status=exc.status, text=exc.message)
    except ValidationFailure as exc:
        state.stats.rejected_validation += 1
        return streams.error_response(422, exc.message, "validation")


async def _body(request: web.Request) -> Any:
    return read_json(await request.read())


async def _generation(
    request: web.Request, parse: Callable[[], GenerationRequest], write: Writer
) -> web.StreamResponse:
    """The path every generation takes: request faults, capacity, validation, stream faults, output."""
    state = request.app[STATE]
    fault = state.faults.take(REQUEST_KINDS)
    if fault is not None:
        state.stats.faults_applied[fault.kind] += 1
        if fault.kind == "overloaded":
            state.stats.rejected_overloaded += 1
        return streams.error_response(fault.status, fault.message, fault.error_type)
    if not state.try_acquire():  # TGI takes its permit before it validates
        state.stats.rejected_overloaded += 1
        return streams.error_response(429, "Model is overloaded", "overloaded")
    try:
        req = parse()
        fault = state.faults.take(STREAM_KINDS)
        if fault is not None and fault.kind == "no_answer":
            state.stats.faults_applied["no_answer"] += 1
        plan, seed = plan_for(state, req, fault)
        state.stats.generations_started += 1
        state.stats.tokens_planned += len(plan.pieces)
        logger.info(
            "%s: %d prompt tokens, %d to generate (%s)%s",
            request.path, req.input_tokens, len(plan.pieces), plan.finish_reason,
            f", fault {fault.kind}" if fault else "",
        )  # fmt: skip
        return await write(req, plan, fault, seed)
    finally:
        state.release()


async def chat_completions(request: web.Request) -> web.StreamResponse:
    """`POST /v1/chat/completions`, streamed or not."""
    state = request.app[STATE]
    body = await _body(request)
    state.stats.last_chat_request = body
    parse_messages(body)

    async def write(req: GenerationRequest, plan: Plan, fault: Fault | None, seed: int) -> web.StreamResponse:
        writer = streams.chat_stream if req.stream else streams.chat_once
        return await writer(request, state, req, plan, fault)

    return await _generation(request, lambda: parse_chat(body, state.config), write)


def _native(stream: bool | None) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        state = request.app[STATE]
        body = await _body(request)
        state.stats.last_generate_request = body
        streamed = bool(body.get("stream")) if stream is None and isinstance(body, dict) else bool(stream)

        async def write(
            req: GenerationRequest, plan: Plan, fault: Fault | None, seed: int
        ) -> web.StreamResponse:
            if streamed:
                return await streams.generate_stream(request, state, req, plan, fault, seed)
            # POST / answers like the Inference API: the GenerateResponse inside a list
            return await streams.generate_once(request, state, req, plan, fault, seed, as_list=stream is None)

        return await _generation(request, lambda: parse_generate(body, state.config, stream=streamed), write)

    return handler


NO_TOKENIZER = "No fast tokenizer available"
"""TGI's error when it cannot tokenize (what the simulator answers with `tokenize` off)."""


async def tokenize_route(request: web.Request) -> web.Response:
    """`POST /tokenize`: the toy tokenizer's pieces of `inputs`."""
    if not request.app[STATE].config.tokenize:
        return streams.error_response(404, NO_TOKENIZER, "tokenizer")
    body = await _body(request)
    if not isinstance(body, dict) or not isinstance(body.get("inputs"), str):
        raise BodyError(
            422, "Failed to deserialize the JSON body into the target type: missing field `inputs`"
        )
    return web.json_response(protocol.simple_tokens(tokenize(body["inputs"])))


async def chat_tokenize(request: web.Request) -> web.Response:
    """`POST /chat_tokenize`: the templated prompt and its tokens."""
    if not request.app[STATE].config.tokenize:
        return streams.error_response(404, NO_TOKENIZER, "tokenizer")
    text = apply_chat_template(parse_messages(await _body(request)))
    return web.json_response(
        {"tokenize_response": protocol.simple_tokens(tokenize(text)), "templated_text": text}
    )


async def health(request: web.Request) -> web.Response:
    """`GET /health`: 200 with an empty body, or TGI's 503 when the `unhealthy` fault is set."""
    if request.app[STATE].unhealthy:
        return streams.error_response(503, "unhealthy", "healthcheck")
    return web.Response()


async def info(request: web.Request) -> web.Response:
    """`GET /info`."""
    return web.json_response(protocol.info(request.app[STATE].config))


async def models(request: web.Request) -> web.Response:
    """`GET /v1/models`."""
    return web.json_response(protocol.models(request.app[STATE].config))


async def metrics(request: web.Request) -> web.Response:
    """`GET /metrics`: a few Prometheus counters under TGI's names."""
    state = request.app[STATE]
    lines = [
        f"tgi_request_count {sum(state.stats.requests.values())}",
        f"tgi_request_success {state.stats.generations_completed}",
        f"tgi_batch_current_size {state.in_flight}",
        "tgi_queue_size 0",
    ]
    return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")


def _fault_state(state: SimState) -> dict[str, Any]:
    return {
        "queued": state.faults.pending(),
        "tokens_per_second": state.tokens_per_second,
        "unhealthy": state.unhealthy,
        "accuracy": state.accuracy,
        "solution_paragraphs": state.solution_paragraphs,
    }


async def faults_post(request: web.Request) -> web.Response:
    """`POST /_sim/faults`: queue faults and change run-time settings."""
    state = request.app[STATE]
    try:
        spec = parse_fault_spec(await _body(request))
    except FaultSpecError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    state.faults.extend(spec.faults)
    if spec.tokens_per_second is not None:
        state.tokens_per_second = spec.tokens_per_second
    if spec.unhealthy is not None:
        state.unhealthy = spec.unhealthy
    if spec.accuracy is not None:
        state.accuracy = spec.accuracy
    if spec.solution_paragraphs is not None:
        state.solution_paragraphs = spec.solution_paragraphs
    return web.json_response(_fault_state(state))


async def faults_get(request: web.Request) -> web.Response:
    """`GET /_sim/faults`: what is queued and the current settings."""
    return web.json_response(_fault_state(request.app[STATE]))


async def faults_delete(request: web.Request) -> web.Response:
    """`DELETE /_sim/faults`: no more faults; configured rate and health again."""
    state = request.app[STATE]
    state.reset_faults()
    return web.json_response(_fault_state(state))


async def stats_get(request: web.Request) -> web.Response:
    """`GET /_sim/stats`: counters, in-flight generations and the last request bodies."""
    state = request.app[STATE]
    body = state.stats.to_json() | {"in_flight": state.in_flight} | _fault_state(state)
    return web.json_response(body)


async def stats_delete(request: web.Request) -> web.Response:
    """`DELETE /_sim/stats`: zero the counters."""
    request.app[STATE].reset_stats()
    return web.json_response(request.app[STATE].stats.to_json())


def make_app(config: SimConfig) -> web.Application:
    """A simulated TGI server for `config`; run it with aiohttp's AppRunner or `serve`."""
    app = web.Application(middlewares=[_tgi_errors], client_max_size=16 * 1024 * 1024)
    app[STATE] = SimState(config, ProblemBank.from_dir(config.data_dir))
    app.router.add_get("/health", health)
    app.router.add_get("/info", info)
    app.router.add_get("/v1/models", models)
    app.router.add_get("/metrics", metrics)
    app.router.add_post("/tokenize", tokenize_route)
    app.router.add_post("/chat_tokenize", chat_tokenize)
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_post("/generate", _native(False))
    app.router.add_post("/generate_stream", _native(True))
    app.router.add_post("/", _native(None))
    app.router.add_post("/_sim/faults", faults_post)
    app.router.add_get("/_sim/faults", faults_get)
    app.router.add_delete("/_sim/faults", faults_delete)
    app.router.add_get("/_sim/stats", stats_get)
    app.router.add_delete("/_sim/stats", stats_delete)
    return app
