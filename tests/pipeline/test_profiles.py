"""What each server can do is probed once and remembered in Redis for every worker (issue 10, item 3):
no more two 404s per question on servers without a token-count endpoint."""

from __future__ import annotations

import time

import httpx
import pytest
import redis

from mathbot import keys
from tests.support.inference import requests, settings_for, sim
from tests.support.servers import ThreadedApp
from workers.inference import InferenceServer, label
from workers.probe import Profile, Profiles

MESSAGES = [{"role": "user", "content": "What is 2 + 2?"}]

EXPECTED = {
    "tgi": Profile("/chat_tokenize", "chat_tokenize", "generate_stream", input_limit=15360),
    "vllm": Profile("/tokenize", "detokenize", "completions"),
    "sglang": Profile("", "", "continue_final_message"),
    "transformers": Profile("", "", ""),
}

PROBES = {"/chat_tokenize", "/tokenize", "/detokenize", "/v1/completions", "/get_model_info", "/info"}


def counted(app: ThreadedApp, redis_url: str, connection: redis.Redis, ttl: float = 3600) -> int:
    server = InferenceServer(settings_for(redis_url, app.url), profiles=Profiles(connection, ttl))
    try:
        return server.count(MESSAGES)
    finally:
        server.close()


@pytest.mark.parametrize("mode", sorted(EXPECTED))
def test_a_server_is_probed_once_for_every_worker(mode: str, redis_url: str, redis_conn: redis.Redis) -> None:
    for app in sim(mode):
        first = counted(app, redis_url, redis_conn)
        probed = {path: n for path, n in requests(app).items() if path in PROBES}
        second = counted(app, redis_url, redis_conn)  # another job (another process, alike): from Redis
        again = {path: n - probed.get(path, 0) for path, n in requests(app).items() if path in PROBES}
        assert first == second
        assert Profiles(redis_conn).get(label(app.url)) == EXPECTED[mode]
        counts = {"tgi": {"/chat_tokenize": 1}, "vllm": {"/tokenize": 1}}.get(mode, {})
        assert {path: n for path, n in again.items() if n} == counts  # only the count itself, if any
        assert redis_conn.ttl(keys.SERVER + label(app.url)) > 3500


def test_a_server_is_probed_again_after_the_ttl(redis_url: str, redis_conn: redis.Redis) -> None:
    for app in sim("transformers"):
        counted(app, redis_url, redis_conn, ttl=1)
        assert requests(app)["/chat_tokenize"] == 1
        time.sleep(1.2)
        counted(app, redis_url, redis_conn, ttl=1)
        assert requests(app)["/chat_tokenize"] == 2  # an upgraded server would be noticed


def test_a_server_that_changed_is_probed_again_at_once(redis_url: str, redis_conn: redis.Redis) -> None:
    """The profile says /chat_tokenize (a TGI used to answer there), but a vLLM now does."""
    for app in sim("vllm"):
        Profiles(redis_conn).put(label(app.url), EXPECTED["tgi"])
        tokens = counted(app, redis_url, redis_conn)
        assert requests(app)["/tokenize"] == 1  # the stale endpoint failed, the probe found the new one
        assert Profiles(redis_conn).get(label(app.url)) == EXPECTED["vllm"]
        assert tokens == counted(app, redis_url, redis_conn)
        assert requests(app)["/tokenize"] == 2 and requests(app)["/chat_tokenize"] == 2  # no third try


def test_credentials_never_reach_a_redis_key() -> None:
    assert label("http://user:secret@gpu-1:8080/") == "http://gpu-1:8080"
    assert label("https://gpu-2/v1/") == "https://gpu-2/v1"


def test_tgi_url_lists_several_servers(redis_url: str) -> None:
    settings = settings_for(redis_url, "http://a:8080/", " http://b:8080", "http://a:8080", "")
    assert settings.inference_urls == ["http://a:8080", "http://b:8080"]
    assert settings.tgi_url == "http://a:8080/, http://b:8080,http://a:8080,"  # the field stays a string
    assert httpx.URL(settings.inference_urls[1]).host == "b"
