"""The aiohttp application: the HTTP routes of the server imitated (TGI by default, or vLLM, SGLang,
`transformers serve`: see `mathbot.sim.modes`), plus the `/_sim/*` control API for tests."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from mathbot.sim import completions, control, modes, protocol, streams, tokenizing
from mathbot.sim.config import SimConfig
from mathbot.sim.control import STATE
from mathbot.sim.engine import plan_for
from mathbot.sim.faults import REQUEST_KINDS, STREAM_KINDS, Fault
from mathbot.sim.problems import ProblemBank
from mathbot.sim.script import Plan
from mathbot.sim.state import SimState
from mathbot.sim.validation import (
    BodyError,
    GenerationRequest,
    ValidationFailure,
    parse_chat,
    parse_completion,
    parse_generate,
    parse_messages,
    read_json,
)

logger = logging.getLogger(__name__)

Writer = Callable[[GenerationRequest, Plan, Fault | None, int], Awaitable[web.StreamResponse]]
"""Writes a planned generation: (request, plan, stream fault, seed) -> response."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _server_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count requests, and answer body and validation errors the way the imitated server does."""
    state = request.app[STATE]
    mode = state.config.mode
    if not request.path.startswith(control.PREFIX):
        state.stats.requests[request.path] += 1
    try:
        return await handler(request)
    except BodyError as exc:
        if mode == "tgi":  # axum's extractor answers in plain text
            return web.Response(status=exc.status, text=exc.message)
        return streams.error_response(modes.refusal_status(mode), exc.message, "validation", mode)
    except ValidationFailure as exc:
        state.stats.rejected_validation += 1
        return streams.error_response(modes.refusal_status(mode), exc.message, "validation", mode)
    except web.HTTPException as exc:  # FastAPI's servers answer an unknown route in JSON
        if mode == "tgi" or exc.status < 400:
            raise
        return web.json_response({"detail": exc.reason}, status=exc.status)


async def _body(request: web.Request) -> Any:
    return read_json(await request.read())


async def _generation(
    request: web.Request, parse: Callable[[], GenerationRequest], write: Writer
) -> web.StreamResponse:
    """The path every generation takes: request faults, capacity, validation, stream faults, output."""
    state = request.app[STATE]
    mode = state.config.mode
    fault = state.faults.take(REQUEST_KINDS)
    if fault is not None:
        state.stats.faults_applied[fault.kind] += 1
        if fault.kind == "overloaded":
            state.stats.rejected_overloaded += 1
        return streams.error_response(fault.status, fault.message, fault.error_type, mode)
    if not await state.acquire():  # TGI takes its permit before it validates; the others queue
        state.stats.rejected_overloaded += 1
        return streams.error_response(429, "Model is overloaded", "overloaded", mode)
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


async def completions_route(request: web.Request) -> web.StreamResponse:
    """`POST /v1/completions`, streamed or not."""
    state = request.app[STATE]
    body = await _body(request)
    state.stats.last_completion_request = body

    async def write(req: GenerationRequest, plan: Plan, fault: Fault | None, seed: int) -> web.StreamResponse:
        writer = completions.completion_stream if req.stream else completions.completion_once
        return await writer(request, state, req, plan, fault)

    return await _generation(request, lambda: parse_completion(body, state.config), write)


def _tokenizer(route: Callable[[web.Request, SimState], Awaitable[web.Response]]) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        state = request.app[STATE]
        if not state.config.tokenize:
            return streams.error_response(404, tokenizing.NO_TOKENIZER, "tokenizer", state.config.mode)
        return await route(request, state)

    return handler


async def health(request: web.Request) -> web.Response:
    """`GET /health` (SGLang's `/health_generate` too): healthy unless the `unhealthy` fault is set."""
    state = request.app[STATE]
    status, body = modes.health(state.config.mode, not state.unhealthy)
    return web.Response(status=status) if body is None else web.json_response(body, status=status)


async def info(request: web.Request) -> web.Response:
    """TGI `GET /info`."""
    return web.json_response(protocol.info(request.app[STATE].config))


async def version(request: web.Request) -> web.Response:
    """vLLM `GET /version`."""
    return web.json_response({"version": modes.VLLM_VERSION})


async def model_info(request: web.Request) -> web.Response:
    """SGLang `GET /get_model_info`."""
    return web.json_response(modes.model_info(request.app[STATE].config))


async def models(request: web.Request) -> web.Response:
    """`GET /v1/models`."""
    config = request.app[STATE].config
    body = protocol.models(config) if config.mode == "tgi" else modes.models(config)
    return web.json_response(body)


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


def make_app(config: SimConfig) -> web.Application:
    """A simulated inference server for `config`; run it with aiohttp's AppRunner or `serve`."""
    app = web.Application(middlewares=[_server_errors], client_max_size=16 * 1024 * 1024)
    app[STATE] = SimState(config, ProblemBank.from_dir(config.data_dir))
    mode = config.mode
    app.router.add_get("/health", health)
    app.router.add_get("/v1/models", models)
    app.router.add_get("/metrics", metrics)
    app.router.add_post("/v1/chat/completions", chat_completions)
    for path, route in tokenizing.ROUTES[mode].items():
        app.router.add_post(path, _tokenizer(route))
    if mode != "transformers":
        app.router.add_post("/v1/completions", completions_route)
    if mode == "tgi":
        app.router.add_get("/info", info)
        app.router.add_post("/generate", _native(False))
        app.router.add_post("/generate_stream", _native(True))
        app.router.add_post("/", _native(None))
    if mode == "vllm":
        app.router.add_get("/version", version)
    if mode == "sglang":
        app.router.add_get("/get_model_info", model_info)
        app.router.add_get("/health_generate", health)
    control.add_routes(app)
    return app
