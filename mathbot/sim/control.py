"""The simulator's own `/_sim/*` control API (faults, run-time settings, counters), for tests and benches."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mathbot.sim.faults import FaultSpecError, parse_fault_spec
from mathbot.sim.state import SimState
from mathbot.sim.validation import read_json

STATE = web.AppKey("mathbot_sim_state", SimState)
"""Where the app keeps its SimState."""

PREFIX = "/_sim/"
"""Routes under this prefix are the simulator's own, not the server's, and are not counted as requests."""


def fault_state(state: SimState) -> dict[str, Any]:
    """What is queued and the current run-time settings."""
    return {
        "queued": state.faults.pending(),
        "tokens_per_second": state.tokens_per_second,
        "unhealthy": state.unhealthy,
        "accuracy": state.accuracy,
        "truncate_share": state.truncate_share,
        "solution_paragraphs": state.solution_paragraphs,
    }


async def faults_post(request: web.Request) -> web.Response:
    """`POST /_sim/faults`: queue faults and change run-time settings."""
    state = request.app[STATE]
    try:
        spec = parse_fault_spec(read_json(await request.read()))
    except FaultSpecError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    state.faults.extend(spec.faults)
    if spec.tokens_per_second is not None:
        state.tokens_per_second = spec.tokens_per_second
    if spec.unhealthy is not None:
        state.unhealthy = spec.unhealthy
    if spec.accuracy is not None:
        state.accuracy = spec.accuracy
    if spec.truncate_share is not None:
        state.truncate_share = spec.truncate_share
    if spec.solution_paragraphs is not None:
        state.solution_paragraphs = spec.solution_paragraphs
    return web.json_response(fault_state(state))


async def faults_get(request: web.Request) -> web.Response:
    """`GET /_sim/faults`: what is queued and the current settings."""
    return web.json_response(fault_state(request.app[STATE]))


async def faults_delete(request: web.Request) -> web.Response:
    """`DELETE /_sim/faults`: no more faults; configured rate, health and shares again."""
    state = request.app[STATE]
    state.reset_faults()
    return web.json_response(fault_state(state))


async def stats_get(request: web.Request) -> web.Response:
    """`GET /_sim/stats`: counters, in-flight generations and the last request bodies."""
    state = request.app[STATE]
    body = state.stats.to_json() | {"in_flight": state.in_flight} | fault_state(state)
    return web.json_response(body)


async def stats_delete(request: web.Request) -> web.Response:
    """`DELETE /_sim/stats`: zero the counters."""
    request.app[STATE].reset_stats()
    return web.json_response(request.app[STATE].stats.to_json())


def add_routes(app: web.Application) -> None:
    """Mount the control API."""
    app.router.add_post(PREFIX + "faults", faults_post)
    app.router.add_get(PREFIX + "faults", faults_get)
    app.router.add_delete(PREFIX + "faults", faults_delete)
    app.router.add_get(PREFIX + "stats", stats_get)
    app.router.add_delete(PREFIX + "stats", stats_delete)
