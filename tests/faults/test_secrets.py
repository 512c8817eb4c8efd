"""Secrets never appear in logs, errors or replies: a full run at DEBUG, every byte searched."""

from __future__ import annotations

import base64
from pathlib import Path

from aiohttp import web

from mathbot.logs import REDACTED
from tests.support import processes
from tests.support.env import settings_env
from tests.support.servers import ThreadedApp

SECRETS = {
    "TGI_API_KEY": "tgi-key-SECRET-0123456789abcdef",
    "SLACK_BOT_TOKEN": "xoxb-SECRET-111111111111-222222222222",
    "SLACK_SIGNING_SECRET": "signing-SECRET-abcdef0123456789",
    "DISCORD_BOT_TOKEN": "discord.SECRET.token-0123456789abcdef",
}


def test_no_secret_in_any_output_of_a_full_run(redis_url, sim, tmp_path: Path) -> None:
    env = settings_env(redis_url, sim.url, MATHBOT_LOG_LEVEL="DEBUG", MATHBOT_SERVER_RETRIES="1", **SECRETS)
    worker_log = tmp_path / "worker.log"
    worker = processes.start(["worker"], env, log=worker_log)
    try:
        answered = processes.run(["--log-level", "DEBUG", "ask", "What is 6 times 7?"], env)
        sim.faults(error_status=401, error_count=5)
        refused = processes.run(["--log-level", "DEBUG", "ask", "What is 5 times 7?"], env)
    finally:
        processes.stop(worker)
    assert answered.returncode == 0, answered.stderr
    assert refused.returncode == 1 and "credentials" in refused.stderr
    outputs = answered.stdout + answered.stderr + refused.stdout + refused.stderr + worker_log.read_text()
    assert "DEBUG" in outputs  # the run really logged at debug level
    for name, secret in SECRETS.items():
        assert secret not in outputs, f"{name} leaked"


USER, PASSWORD = "mathbot", "pa55-SECRET-word"
BASIC = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


def echoing_server() -> web.Application:
    """An inference server that fails every request with an error body echoing the request's
    credentials (as some proxies and debug builds do): the Authorization header, and the URL."""

    async def fail(request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        user_info = (
            base64.b64decode(auth.removeprefix("Basic ")).decode() if auth.startswith("Basic ") else ""
        )
        url = str(request.url).replace("://", f"://{user_info}@") if user_info else str(request.url)
        body = {"error": f"upstream failed for {url} with Authorization: {auth}"}
        return web.json_response(body, status=500)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fail)
    return app


def test_credentials_echoed_by_a_server_never_reach_a_log_or_the_asker(redis_url, tmp_path: Path) -> None:
    server = ThreadedApp(echoing_server).start()
    tgi_url = server.url.replace("http://", f"http://{USER}:{PASSWORD}@")
    env = settings_env(
        redis_url,
        tgi_url,
        MATHBOT_LOG_LEVEL="DEBUG",
        MATHBOT_SERVER_RETRIES="0",
        TGI_API_KEY=SECRETS["TGI_API_KEY"],
    )
    worker_log = tmp_path / "worker.log"
    worker = processes.start(["worker"], env, log=worker_log)
    try:
        refused = processes.run(["--log-level", "DEBUG", "ask", "What is 6 times 7?"], env)
    finally:
        processes.stop(worker)
        server.stop()
    outputs = refused.stdout + refused.stderr + worker_log.read_text()
    assert refused.returncode == 1, outputs
    assert "upstream failed for" in outputs  # the echo was logged: only its credentials are gone
    for leaked in (PASSWORD, BASIC, SECRETS["TGI_API_KEY"]):
        assert leaked not in outputs, f"{leaked} leaked"
    assert f"{USER}:{REDACTED}@" in outputs and f"Basic {REDACTED}" in outputs
