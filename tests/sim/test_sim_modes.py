"""The simulator's server modes (TGI, vLLM, SGLang, `transformers serve`) over real HTTP, and its
truncation knobs: each mode's own routes, token counts, error bodies, reasoning field and health check."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mathbot.sim import SimConfig, make_app
from mathbot.sim.config import MODE_SHAPES
from mathbot.sim.template import apply_chat_template
from mathbot.sim.tokens import count_tokens
from tests.support.servers import ThreadedApp

MESSAGES = [
    {
        "role": "user",
        "content": "What is 2 + 2?\n\n"
        "Please reason step by step, and put your final answer within \\boxed{}.",
    }
]


def serve(mode: str, **config: Any) -> Iterator[ThreadedApp]:
    settings = {"tokens_per_second": 20000.0, "reasoning_tokens": 60, "shape": MODE_SHAPES[mode], **config}
    app = ThreadedApp(lambda: make_app(SimConfig(mode=mode, **settings))).start()
    yield app
    app.stop()


@pytest.fixture(params=["tgi", "vllm", "sglang", "transformers"])
def mode_sim(request: pytest.FixtureRequest) -> Iterator[tuple[str, ThreadedApp]]:
    for app in serve(request.param):
        yield request.param, app


def sse(response: httpx.Response) -> list[dict[str, Any]]:
    events = []
    for line in response.text.splitlines():
        if line.startswith("data:") and line[5:].strip() != "[DONE]":
            events.append(json.loads(line[5:]))
    return events


def chat(url: str, **body: Any) -> httpx.Response:
    payload = {"model": "m", "messages": MESSAGES, "max_tokens": 400, "stream": True, **body}
    return httpx.post(url + "/v1/chat/completions", json=payload, timeout=30)


ROUTES = {
    # path: modes that serve it
    "/chat_tokenize": {"tgi"},
    "/tokenize": {"tgi", "vllm", "sglang"},
    "/detokenize": {"vllm", "sglang"},
    "/generate_stream": {"tgi"},
    "/v1/completions": {"tgi", "vllm", "sglang"},
}


def test_each_mode_serves_its_own_routes(mode_sim: tuple[str, ThreadedApp]) -> None:
    mode, app = mode_sim
    for path, modes in ROUTES.items():
        status = httpx.post(app.url + path, json={}).status_code
        assert (status == 404) == (mode not in modes), (path, status)
    identity = {"tgi": "/info", "vllm": "/version", "sglang": "/get_model_info"}
    for kind, path in identity.items():
        assert (httpx.get(app.url + path).status_code == 200) == (kind == mode)
    if mode != "tgi":  # FastAPI's JSON for an unknown route
        assert httpx.post(app.url + "/chat_tokenize", json={}).json() == {"detail": "Not Found"}


def test_health_in_each_modes_shape(mode_sim: tuple[str, ThreadedApp]) -> None:
    mode, app = mode_sim
    ok = httpx.get(app.url + "/health")
    assert ok.status_code == 200
    assert ok.json() == {"status": "ok"} if mode == "transformers" else ok.content == b""
    httpx.post(app.url + "/_sim/faults", json={"unhealthy": True})
    assert httpx.get(app.url + "/health").status_code == 503
    if mode == "sglang":
        assert httpx.get(app.url + "/health_generate").status_code == 503


def test_vllm_tokenize_counts_chat_messages_and_detokenizes_the_template() -> None:
    for app in serve("vllm"):
        body = {"model": "m", "messages": MESSAGES, "add_generation_prompt": True}
        counted = httpx.post(app.url + "/tokenize", json=body).json()
        assert set(counted) == {"count", "max_model_len", "tokens", "token_strs"}
        assert counted["count"] == len(counted["tokens"]) == count_tokens(apply_chat_template(MESSAGES))
        text = httpx.post(app.url + "/detokenize", json={"model": "m", "tokens": counted["tokens"]}).json()
        assert text == {"prompt": apply_chat_template(MESSAGES)}
        both = {**body, "continue_final_message": True}
        refused = httpx.post(app.url + "/tokenize", json=both)
        assert refused.status_code == 400 and set(refused.json()["error"]) == {
            "message",
            "type",
            "param",
            "code",
        }


def test_sglang_tokenize_takes_prompts_only() -> None:
    for app in serve("sglang"):
        plain = httpx.post(
            app.url + "/tokenize", json={"prompt": "2 + 2", "add_special_tokens": False}
        ).json()
        assert plain["count"] == count_tokens("2 + 2") and plain["max_model_len"] == 16384
        refused = httpx.post(app.url + "/tokenize", json={"messages": MESSAGES})
        assert refused.status_code == 400 and refused.json()["object"] == "error"
        text = httpx.post(app.url + "/detokenize", json={"tokens": plain["tokens"]}).json()
        assert text == {"text": "2 + 2"}


LENGTH_REFUSALS = {
    "tgi": (422, lambda body: body["error_type"] == "validation" and "must be <= 16384" in body["error"]),
    "vllm": (400, lambda body: "maximum context length is 16384" in body["error"]["message"]),
    "sglang": (
        400,
        lambda body: body["code"] == 400 and "maximum context length of 16384" in body["message"],
    ),
}


@pytest.mark.parametrize("mode", sorted(LENGTH_REFUSALS))
def test_length_refusals_in_each_modes_words(mode: str) -> None:
    for app in serve(mode):
        status, check = LENGTH_REFUSALS[mode]
        refused = chat(app.url, max_tokens=16384)
        assert refused.status_code == status and check(refused.json()), refused.text
        prompt = count_tokens(apply_chat_template(MESSAGES))
        exact = chat(app.url, max_tokens=16384 - prompt)  # SGLang refuses filling the context exactly
        assert (exact.status_code == 200) == (mode != "sglang"), exact.text


def test_reasoning_arrives_in_each_modes_field(mode_sim: tuple[str, ThreadedApp]) -> None:
    mode, app = mode_sim
    events = sse(chat(app.url))
    deltas = [e["choices"][0]["delta"] for e in events if e["choices"]]
    content = "".join(d.get("content") or "" for d in deltas)
    reasoning = "".join(d.get("reasoning_content") or "" for d in deltas)
    if mode == "tgi":
        assert not reasoning and "</think>" in content and "\\boxed{" in content
    elif mode == "transformers":  # the templated prompt echoed as content, every token as "reasoning"
        assert content == apply_chat_template(MESSAGES) and "\\boxed{}" in content
        assert "</think>" in reasoning and "\\boxed{" in reasoning.split("</think>")[1]
    else:
        assert reasoning and "</think>" not in content + reasoning and "\\boxed{" in content


def test_a_completion_continues_closed_reasoning_with_a_boxed_conclusion() -> None:
    for app in serve("vllm"):
        prompt = (
            apply_chat_template(MESSAGES) + "Some reasoning.\n\nConsidering the limited time.\n</think>\n\n"
        )
        body = {
            "model": "m",
            "prompt": prompt,
            "max_tokens": 500,
            "stream": True,
            "add_special_tokens": False,
        }
        body["stream_options"] = {"include_usage": True}
        events = sse(httpx.post(app.url + "/v1/completions", json=body, timeout=30))
        text = "".join(c["text"] for e in events for c in e["choices"])
        assert "cut short" in text and "\\boxed{" in text and "</think>" not in text
        assert events[-2]["choices"][0]["finish_reason"] == "stop"
        assert events[-1]["usage"]["prompt_tokens"] == count_tokens(prompt)


def test_sglang_continues_a_final_assistant_message() -> None:
    for app in serve("sglang"):
        prefix = {"role": "assistant", "content": "Reasoning so far.\n</think>\n\n"}
        body = {"messages": [*MESSAGES, prefix], "continue_final_message": True, "separate_reasoning": False}
        events = sse(chat(app.url, **body))
        content = "".join(e["choices"][0]["delta"].get("content") or "" for e in events if e["choices"])
        assert "cut short" in content and "\\boxed{" in content


def test_truncate_share_makes_that_share_run_past_the_budget() -> None:
    for app in serve("tgi", truncate_share=0.5):
        finishes = []
        for seed in range(20):
            events = sse(chat(app.url, seed=seed, max_tokens=1000))
            finishes.append(
                next(e["choices"][0]["finish_reason"] for e in events if e["choices"][0]["finish_reason"])
            )
        long = finishes.count("length")
        assert 4 <= long <= 16 and finishes.count("stop") == 20 - long
        again = [
            sse(chat(app.url, seed=s, max_tokens=1000))[-1]["choices"][0]["finish_reason"] for s in range(20)
        ]
        assert again == finishes  # fixed per problem and seed


@pytest.mark.parametrize("kind", ["whitespace", "think"])
def test_a_server_that_ignores_max_tokens(kind: str) -> None:
    for app in serve("tgi"):
        httpx.post(app.url + "/_sim/faults", json={"ignore_max_tokens": kind})
        events = sse(chat(app.url, max_tokens=100))
        text = "".join(e["choices"][0]["delta"].get("content") or "" for e in events)
        assert len(events) > 300 and "</think>" not in text
        if kind == "whitespace":
            assert text.endswith("\n\n" * 100)
        assert sse(chat(app.url, max_tokens=100))[-1]["choices"][0]["finish_reason"] in ("stop", "length")
        assert len(sse(chat(app.url, max_tokens=100))) <= 101  # only one generation was broken
