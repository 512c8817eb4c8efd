"""The TGI simulator over real HTTP: TGI's protocol, huggingface_hub's client, capacity and faults."""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import httpx2
import pytest
from huggingface_hub import InferenceClient
from huggingface_hub.errors import GenerationError, HfHubHTTPError, OverloadedError, ValidationError

from mathbot.sim import SimConfig
from tests.support.data import DATA_DIR, NO_DATA
from tests.support.sim import Sim

pytestmark = pytest.mark.skipif(not DATA_DIR.is_dir(), reason=NO_DATA)  # official answers come from it

REPO = Path(__file__).resolve().parents[2]

FAST = {"tokens_per_second": 20000.0, "reasoning_tokens": 300, "ticks_per_second": 50.0}
"""A quick simulator for tests: short reasoning, fast streams."""

AIME_2025_1 = (
    "Find the sum of all integer bases \\( b > 9 \\) for which \\( 17_b \\) is a divisor of \\( 97_b \\)."
)
"""aime_2025.jsonl id 1; the official answer is 70."""


@pytest.fixture
def make_sim() -> Iterator[Callable[..., Sim]]:
    """Start simulators with the given SimConfig fields (on top of FAST); all stopped afterwards."""
    servers: list[Sim] = []

    def make(**overrides: Any) -> Sim:
        config = SimConfig(**{"data_dir": str(DATA_DIR), **FAST, **overrides})
        servers.append(Sim(config).start())
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def shared_sim() -> Iterator[Sim]:
    server = Sim(SimConfig(data_dir=str(DATA_DIR), **FAST)).start()
    yield server
    server.stop()


@pytest.fixture
def sim(shared_sim: Sim) -> Sim:
    """The module's fast simulator, with no faults queued and zeroed counters."""
    shared_sim.reset()
    return shared_sim


def chat_body(problem: str = AIME_2025_1, **extra: Any) -> dict[str, Any]:
    return {"model": "tgi", "messages": [{"role": "user", "content": problem}], **extra}


def sse_data(url: str, body: dict[str, Any], path: str = "/v1/chat/completions") -> list[str]:
    """The `data:` payloads of a streamed response."""
    with httpx.stream("POST", url + path, json=body, timeout=30) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        return [line[5:].strip() for line in response.iter_lines() if line.startswith("data:")]


def chat_chunks(url: str, **body: Any) -> list[dict[str, Any]]:
    """Chunks of a streamed chat completion; asserts TGI's `data: [DONE]` ending."""
    events = sse_data(url, chat_body(**body, stream=True))
    assert events[-1] == "[DONE]"
    return [json.loads(e) for e in events[:-1]]


def joined(chunks: list[dict[str, Any]], field: str = "content") -> str:
    return "".join(c["choices"][0]["delta"].get(field) or "" for c in chunks if c["choices"])


# --- TGI's routes --------------------------------------------------------------------------------


def test_health_info_and_models_say_what_they_serve(sim: Sim) -> None:
    assert httpx.get(f"{sim.url}/health").status_code == 200
    info = httpx.get(f"{sim.url}/info").json()
    assert info["model_id"] == "FractalAIResearch/Fathom-R1-14B"
    assert (info["max_total_tokens"], info["max_input_tokens"], info["max_concurrent_requests"]) == (
        16384,
        15360,
        64,
    )
    assert info["router"] == "mathbot-sim" and info["docker_label"] == "simulated"
    models = httpx.get(f"{sim.url}/v1/models").json()
    assert models["data"][0]["id"] == "FractalAIResearch/Fathom-R1-14B"


def test_tokenize_pieces_cover_the_input(sim: Sim) -> None:
    text = "Compute $\\frac{a}{b}$ for 2024 values."
    tokens = httpx.post(f"{sim.url}/tokenize", json={"inputs": text}).json()
    assert "".join(t["text"] for t in tokens) == text
    assert all(text[t["start"] : t["stop"]] == t["text"] and isinstance(t["id"], int) for t in tokens)


def test_chat_tokenize_applies_the_r1_template(sim: Sim) -> None:
    def tokenize(messages: list[dict[str, Any]]) -> dict[str, Any]:
        return httpx.post(f"{sim.url}/chat_tokenize", json={"messages": messages}).json()

    short = tokenize([{"role": "user", "content": "What is 2+2?"}])
    longer = tokenize(
        [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "What is 2+2?"},
            {"role": "assistant", "content": "old reasoning</think>\n\nIt is $\\boxed{4}$."},
            {"role": "user", "content": "And 3+3? Explain in detail, please."},
        ]
    )
    assert short["templated_text"] == "<｜begin▁of▁sentence｜><｜User｜>What is 2+2?<｜Assistant｜><think>\n"
    assert longer["templated_text"].startswith("<｜begin▁of▁sentence｜>Be brief.<｜User｜>")
    assert "old reasoning" not in longer["templated_text"]  # the template drops earlier reasoning
    assert "<｜Assistant｜>It is $\\boxed{4}$.<｜end▁of▁sentence｜>" in longer["templated_text"]
    assert len(longer["tokenize_response"]) > len(short["tokenize_response"]) > 5


def test_streamed_chat_is_r1_shaped_and_ends_like_tgi(sim: Sim) -> None:
    chunks = chat_chunks(sim.url, seed=1)
    text = joined(chunks)
    assert text.startswith("(Simulated reasoning")
    assert "<think>" not in text and text.count("</think>") == 1
    assert text.rstrip().endswith("The final answer is $\\boxed{70}$.")
    assert "\\[" in text and "\\frac{" in text
    assert [c["choices"][0]["finish_reason"] for c in chunks[:-1]] == [None] * (len(chunks) - 1)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert all(c["object"] == "chat.completion.chunk" and c["usage"] is None for c in chunks)


def test_tags_shape_opens_and_closes_think(make_sim: Callable[..., Sim]) -> None:
    text = joined(chat_chunks(make_sim(shape="tags").url, seed=1))
    assert text.startswith("<think>\n(Simulated reasoning") and "</think>" in text and "\\boxed{70}" in text


def test_split_shape_streams_reasoning_in_its_own_field(make_sim: Callable[..., Sim]) -> None:
    sim = make_sim(shape="split")
    chunks = chat_chunks(sim.url, seed=1)
    reasoning, content = joined(chunks, "reasoning_content"), joined(chunks)
    assert reasoning.startswith("(Simulated reasoning") and "</think>" not in reasoning + content
    assert "\\boxed{70}" in content and "Simulated reasoning" not in content
    whole = httpx.post(f"{sim.url}/v1/chat/completions", json=chat_body(seed=1), timeout=30).json()
    message = whole["choices"][0]["message"]
    assert message["reasoning_content"] == reasoning and message["content"] == content


def test_non_streamed_chat_has_usage(sim: Sim) -> None:
    body = httpx.post(f"{sim.url}/v1/chat/completions", json=chat_body(seed=2), timeout=30).json()
    choice, usage = body["choices"][0], body["usage"]
    assert choice["finish_reason"] == "stop" and "\\boxed{70}" in choice["message"]["content"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["prompt_tokens"] == len(
        httpx.post(f"{sim.url}/chat_tokenize", json=chat_body()).json()["tokenize_response"]
    )


def test_max_tokens_cuts_with_length_and_usage_comes_in_a_chunk_of_its_own(sim: Sim) -> None:
    chunks = chat_chunks(sim.url, max_tokens=50, seed=3, stream_options={"include_usage": True})
    *tokens, usage = chunks  # TGI 3.x (router/src/chat.rs): the finish chunk, then usage with no choices
    assert tokens[-1]["choices"][0]["finish_reason"] == "length" and tokens[-1]["usage"] is None
    assert usage["choices"] == [] and usage["usage"]["completion_tokens"] == 50 == len(tokens)
    assert usage["usage"]["total_tokens"] == usage["usage"]["prompt_tokens"] + 50
    assert "</think>" not in joined(chunks)


def test_same_seed_same_text_and_answer_fixed_across_seeds(sim: Sim) -> None:
    problem = "How many ordered pairs of positive integers (a, b) satisfy a + b = 1000 and gcd(a, b) = 1?"
    one, again, other = (joined(chat_chunks(sim.url, problem=problem, seed=s)) for s in (5, 5, 6))
    assert one == again and one != other
    answer = one.rsplit("\\boxed{", 1)[1].split("}")[0]
    assert answer == other.rsplit("\\boxed{", 1)[1].split("}")[0] and 0 <= int(answer) <= 999


@pytest.mark.parametrize(
    ("problem", "answer"),
    [
        ("Please solve:\n\n" + AIME_2025_1.replace(" ", "  ") + "\n\nThanks!", "70"),
        (
            "Compute the sum of the positive divisors (including $1$) of $9!$ that have units digit $1$.",
            "103",
        ),
        ("Positive real numbers $x$ and $y$ satisfy $y^3=x^2$ and $(y-x)^2=4y^2$. What is $x+y$?", "36"),
    ],
)
def test_known_problems_get_their_official_answer(sim: Sim, problem: str, answer: str) -> None:
    body = httpx.post(f"{sim.url}/v1/chat/completions", json=chat_body(problem), timeout=30).json()
    assert body["choices"][0]["message"]["content"].endswith(f"$\\boxed{{{answer}}}$.")


def test_follow_up_answers_the_last_user_message(sim: Sim) -> None:
    messages = [
        {"role": "user", "content": "What is 1+1?"},
        {"role": "assistant", "content": "Reasoning.</think>\n\nThe final answer is $\\boxed{2}$."},
        {"role": "user", "content": AIME_2025_1},
    ]
    body = httpx.post(f"{sim.url}/v1/chat/completions", json={"messages": messages}, timeout=30).json()
    assert "\\boxed{70}" in body["choices"][0]["message"]["content"]


def test_native_generate_and_generate_stream(sim: Sim) -> None:
    prompt = f"<｜begin▁of▁sentence｜><｜User｜>{AIME_2025_1}<｜Assistant｜><think>\n"
    params = {"max_new_tokens": 4000, "details": True, "seed": 4, "do_sample": True}
    once = httpx.post(f"{sim.url}/generate", json={"inputs": prompt, "parameters": params}, timeout=30).json()
    assert once["details"]["finish_reason"] == "eos_token" and "\\boxed{70}" in once["generated_text"]
    assert once["details"]["tokens"][-1]["special"] is True
    events = [
        json.loads(e) for e in sse_data(sim.url, {"inputs": prompt, "parameters": params}, "/generate_stream")
    ]
    assert [e["index"] for e in events] == list(range(1, len(events) + 1))
    assert all(e["generated_text"] is None for e in events[:-1])
    assert events[-1]["generated_text"] == once["generated_text"]
    assert events[-1]["details"]["generated_tokens"] == len(events)
    short = {"inputs": prompt, "parameters": {"max_new_tokens": 10, "details": True}}
    assert (
        json.loads(sse_data(sim.url, short, "/generate_stream")[-1])["details"]["finish_reason"] == "length"
    )


# --- huggingface_hub, the client the worker uses -------------------------------------------------


def test_huggingface_hub_chat_completion_streams_end_to_end(sim: Sim) -> None:
    client = InferenceClient(base_url=sim.url, timeout=30)
    messages = [{"role": "user", "content": AIME_2025_1}]
    parts, finish = [], None
    for chunk in client.chat_completion(
        messages, stream=True, max_tokens=4000, seed=7, temperature=0.6, top_p=0.95
    ):
        parts.append(chunk.choices[0].delta.content or "")
        finish = chunk.choices[0].finish_reason or finish
    text = "".join(parts)
    assert "</think>" in text and text.endswith("$\\boxed{70}$.") and finish == "stop"
    sent = sim.stats()["last_chat_request"]
    assert sent["messages"] == messages and sent["stream"] is True
    assert (sent["max_tokens"], sent["seed"], sent["temperature"], sent["top_p"]) == (4000, 7, 0.6, 0.95)


def test_huggingface_hub_text_generation_and_typed_errors(sim: Sim) -> None:
    client = InferenceClient(base_url=sim.url, timeout=30)
    prompt = f"<｜begin▁of▁sentence｜><｜User｜>{AIME_2025_1}<｜Assistant｜><think>\n"
    events = list(client.text_generation(prompt, stream=True, details=True, max_new_tokens=4000, seed=1))
    assert events[-1].details.finish_reason == "eos_token" and "\\boxed{70}" in events[-1].generated_text
    with pytest.raises(ValidationError, match="top_p"):
        client.text_generation(prompt, max_new_tokens=10, top_p=1.0)
    sim.faults(overloaded=1)
    with pytest.raises(OverloadedError):
        client.text_generation(prompt, max_new_tokens=10)
    with pytest.raises(HfHubHTTPError) as caught:  # chat_completion does not map errors to types
        client.chat_completion([{"role": "user", "content": "hi"}], max_tokens=10, top_p=1.0)
    assert caught.value.response.status_code == 422


def test_huggingface_hub_chokes_on_axum_style_done(make_sim: Callable[..., Sim]) -> None:
    """With `data:[DONE]` (no space, as axum-based TGI wrote it) huggingface_hub 2.4 fails at the end."""
    client = InferenceClient(base_url=make_sim(sse_space=False).url, timeout=30)
    parts = []
    with pytest.raises(json.JSONDecodeError):
        for chunk in client.chat_completion(
            [{"role": "user", "content": "2+2?"}], stream=True, max_tokens=20
        ):
            parts.append(chunk.choices[0].delta.content or "")
    assert len(parts) == 20  # every token arrived before the client broke on the end marker


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"top_p": 1.0}, "`top_p` must be > 0.0 and < 1.0"),
        ({"temperature": -0.5}, "`temperature` must be strictly positive"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "`stop` supports up to 4 stop sequences. Given: 5"),
        ({"max_tokens": 0}, "`max_new_tokens` must be strictly positive"),
        ({"max_tokens": 16370}, "`inputs` tokens + `max_new_tokens` must be <= 16384. Given: "),
    ],
)
def test_validation_errors_are_tgi_422s(sim: Sim, extra: dict[str, Any], message: str) -> None:
    response = httpx.post(f"{sim.url}/v1/chat/completions", json=chat_body(**extra))
    assert response.status_code == 422
    assert response.json()["error_type"] == "validation" and response.json()["error"].startswith(message)


def test_oversized_prompts_are_refused(sim: Sim) -> None:
    huge = "word " * 17000
    too_long = httpx.post(f"{sim.url}/v1/chat/completions", json=chat_body(huge, max_tokens=100)).json()
    assert too_long["error"].startswith("`inputs` tokens + `max_new_tokens` must be <= 16384. Given: ")
    big = "word " * 15500  # fits the total but not the input limit when max_tokens is left out
    assert (
        httpx.post(f"{sim.url}/v1/chat/completions", json=chat_body(big))
        .json()["error"]
        .startswith("`inputs` must have less than 15360 tokens.")
    )
    assert sim.stats()["rejected_validation"] == 2


def test_greedy_temperature_zero_is_accepted_and_ignores_seed(sim: Sim) -> None:
    texts = {joined(chat_chunks(sim.url, temperature=0, seed=s, max_tokens=60)) for s in (1, 2)}
    assert len(texts) == 1


def test_malformed_bodies_get_axum_plain_text_errors(sim: Sim) -> None:
    bad_json = httpx.post(
        f"{sim.url}/v1/chat/completions", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert bad_json.status_code == 400 and bad_json.text.startswith(
        "Failed to parse the request body as JSON"
    )
    no_messages = httpx.post(f"{sim.url}/v1/chat/completions", json={"max_tokens": 5})
    assert no_messages.status_code == 422 and "missing field `messages`" in no_messages.text


def test_max_tokens_default_fills_the_total_budget(sim: Sim) -> None:
    body = httpx.post(f"{sim.url}/v1/chat/completions", json=chat_body(), timeout=30).json()
    assert body["choices"][0]["finish_reason"] == "stop"  # no 422 although max_tokens was left out


# --- capacity, rate and faults -------------------------------------------------------------------


async def test_capacity_overflow_gets_429_then_recovers(make_sim: Callable[..., Sim]) -> None:
    sim = make_sim(capacity=2, tokens_per_second=200)
    url = f"{sim.url}/v1/chat/completions"
    async with aiohttp.ClientSession() as session:
        first = await session.post(url, json=chat_body(stream=True, max_tokens=60))
        second = await session.post(url, json=chat_body(stream=True, max_tokens=60))
        third = await session.post(url, json=chat_body(stream=True, max_tokens=60))
        assert (first.status, second.status, third.status) == (200, 200, 429)
        assert await third.json() == {"error": "Model is overloaded", "error_type": "overloaded"}
        assert "data: [DONE]" in await first.text() and "data: [DONE]" in await second.text()
        fourth = await session.post(url, json=chat_body(max_tokens=5))
        assert fourth.status == 200
    stats = sim.stats()
    assert (stats["max_in_flight"], stats["rejected_overloaded"], stats["in_flight"]) == (2, 1, 0)


async def test_64_concurrent_streams(make_sim: Callable[..., Sim]) -> None:
    sim = make_sim(
        tokens_per_second=250, reasoning_tokens=600
    )  # ~3 s each: all 64 overlap, even on a busy machine

    async def one(session: aiohttp.ClientSession, i: int) -> str:
        body = chat_body(f"Problem {i}: how many primes are below {100 + i}?", stream=True, seed=i)
        async with session.post(f"{sim.url}/v1/chat/completions", json=body) as response:
            assert response.status == 200
            return await response.text()

    async with aiohttp.ClientSession() as session:
        results = await asyncio.gather(*(one(session, i) for i in range(64)))
    assert all(r.endswith("data: [DONE]\n\n") and '"finish_reason":"stop"' in r for r in results)
    stats = sim.stats()
    assert stats["max_in_flight"] == 64 and stats["generations_completed"] == 64


async def test_a_client_that_hangs_up_frees_its_slot(make_sim: Callable[..., Sim]) -> None:
    sim = make_sim(tokens_per_second=100, capacity=1)
    async with aiohttp.ClientSession() as session:
        response = await session.post(f"{sim.url}/v1/chat/completions", json=chat_body(stream=True))
        await response.content.readline()
        response.close()
    for _ in range(50):
        if sim.stats()["in_flight"] == 0:
            break
        await asyncio.sleep(0.05)
    assert sim.stats()["clients_disconnected"] == 1
    assert httpx.post(f"{sim.url}/v1/chat/completions", json=chat_body(max_tokens=5)).status_code == 200


def test_token_rate_is_per_stream_and_can_change_at_run_time(sim: Sim) -> None:
    started = time.monotonic()
    chat_chunks(sim.url, max_tokens=200)
    fast = time.monotonic() - started
    sim.faults(tokens_per_second=400)
    started = time.monotonic()
    chat_chunks(sim.url, max_tokens=200)
    slow = time.monotonic() - started
    assert 0.45 < slow < 2.0 and fast < slow / 2


def test_tokens_per_chunk_merges_chat_chunks_but_not_tokens(make_sim: Callable[..., Sim]) -> None:
    merged = make_sim(tokens_per_chunk=8)
    chunks = chat_chunks(merged.url, seed=1, stream_options={"include_usage": True})
    usage = chunks[-1]["usage"]["completion_tokens"]
    assert len(chunks) < usage / 4 and joined(chunks) == joined(chat_chunks(make_sim().url, seed=1))


def test_overloaded_fault_then_error_status_fault_in_order(sim: Sim) -> None:
    sim.faults(overloaded=2)
    sim.faults(error_status=503, error_count=1)
    statuses = [httpx.post(f"{sim.url}/v1/chat/completions", json=chat_body(max_tokens=5)) for _ in range(4)]
    assert [r.status_code for r in statuses] == [429, 429, 503, 200]
    assert statuses[0].json() == {"error": "Model is overloaded", "error_type": "overloaded"}
    assert set(statuses[2].json()) == {"error", "error_type"}
    assert sim.stats()["faults_applied"] == {"overloaded": 2, "error_status": 1}


def test_die_fault_cuts_the_stream_without_done(sim: Sim) -> None:
    sim.faults(die_after_tokens=20)
    lines: list[str] = []
    with (
        pytest.raises(httpx.RemoteProtocolError),
        httpx.stream(
            "POST", f"{sim.url}/v1/chat/completions", json=chat_body(stream=True), timeout=30
        ) as response,
    ):
        lines.extend(line for line in response.iter_lines() if line.startswith("data:"))
    assert len(lines) == 20 and "[DONE]" not in lines[-1]
    assert httpx.post(f"{sim.url}/v1/chat/completions", json=chat_body(max_tokens=5)).status_code == 200


def test_die_fault_breaks_the_huggingface_hub_stream(sim: Sim) -> None:
    sim.faults(die_after_tokens=10)
    client = InferenceClient(base_url=sim.url, timeout=30)
    parts = []
    with pytest.raises(httpx2.RemoteProtocolError):  # raw httpx2, not an HfHubHTTPError
        for chunk in client.chat_completion([{"role": "user", "content": "2+2?"}], stream=True):
            parts.append(chunk)
    assert len(parts) == 10


def test_huggingface_hub_stream_needs_a_live_client(sim: Sim) -> None:
    """The client's ExitStack owns the response: a stream from a client nobody holds arrives closed."""
    with pytest.raises(httpx2.StreamClosed):
        for _ in InferenceClient(base_url=sim.url, timeout=30).chat_completion(
            [{"role": "user", "content": "2+2?"}], stream=True, max_tokens=5
        ):
            pass


def test_stream_error_fault_is_an_sse_error_after_http_200(sim: Sim) -> None:
    sim.faults(stream_error_after_tokens=15)
    events = sse_data(sim.url, chat_body(stream=True))
    assert len(events) == 16 and json.loads(events[-1])["error_type"] == "generation"
    sim.faults(stream_error_after_tokens=5)
    client = InferenceClient(base_url=sim.url, timeout=30)
    with pytest.raises(GenerationError):
        for _ in client.chat_completion([{"role": "user", "content": "2+2?"}], stream=True):
            pass


def test_stall_fault_pauses_mid_stream(sim: Sim) -> None:
    sim.faults(stall_after_tokens=5, stall_seconds=0.8)
    arrivals: list[float] = []
    with httpx.stream("POST", f"{sim.url}/v1/chat/completions", json=chat_body(stream=True), timeout=30) as r:
        for line in r.iter_lines():
            if line.startswith("data:"):
                arrivals.append(time.monotonic())
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert max(gaps) >= 0.7 and gaps.index(max(gaps)) == 4


def test_no_answer_fault_reasons_until_the_limit(sim: Sim) -> None:
    sim.faults(no_answer=True)
    chunks = chat_chunks(sim.url, max_tokens=400, stream_options={"include_usage": True})
    text = joined(chunks)
    assert "</think>" not in text and "\\boxed" not in text
    assert (
        chunks[-2]["choices"][0]["finish_reason"] == "length"
        and chunks[-1]["usage"]["completion_tokens"] == 400
    )
    assert "\\boxed{70}" in joined(chat_chunks(sim.url))  # only the next generation was affected


def test_unhealthy_fault_and_bad_fault_specs(sim: Sim) -> None:
    sim.faults(unhealthy=True)
    health = httpx.get(f"{sim.url}/health")
    assert health.status_code == 503 and health.json()["error_type"] == "healthcheck"
    assert httpx.post(f"{sim.url}/_sim/faults", json={"explode": 1}).status_code == 400
    assert httpx.delete(f"{sim.url}/_sim/faults").json() == {
        "queued": [],
        "tokens_per_second": FAST["tokens_per_second"],
        "unhealthy": False,
        "accuracy": 1.0,
        "solution_paragraphs": 0,
    }
    assert httpx.get(f"{sim.url}/health").status_code == 200
    assert httpx.post(f"{sim.url}/_sim/faults", json={"accuracy": 1.5}).status_code == 400
    assert httpx.post(f"{sim.url}/_sim/faults", json={"solution_paragraphs": -1}).status_code == 400


def test_solution_paragraphs_make_a_long_solution_with_the_same_answer(sim: Sim) -> None:
    def solution() -> str:
        body = httpx.post(f"{sim.url}/v1/chat/completions", json=chat_body(), timeout=30).json()
        return str(body["choices"][0]["message"]["content"]).split("</think>")[-1]

    short = solution()
    assert (
        httpx.post(f"{sim.url}/_sim/faults", json={"solution_paragraphs": 40}).json()["solution_paragraphs"]
        == 40
    )
    long = solution()
    assert len(long) > len(short) + 4000
    assert short.endswith("$\\boxed{70}$.") and long.endswith("$\\boxed{70}$.")


def test_stats_count_requests_per_endpoint(sim: Sim) -> None:
    httpx.get(f"{sim.url}/health")
    httpx.post(f"{sim.url}/v1/chat/completions", json=chat_body(max_tokens=5))
    stats = sim.stats()
    assert stats["requests"] == {"/health": 1, "/v1/chat/completions": 1}
    assert (
        stats["generations_started"] == stats["generations_completed"] == 1 and stats["tokens_streamed"] == 5
    )


# --- command line --------------------------------------------------------------------------------


def test_python_dash_m_prints_one_line_and_serves() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mathbot.sim",
            "--port",
            "0",
            "--data-dir",
            str(DATA_DIR),
            "--log-level",
            "WARNING",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "SIMULATED TGI" in line
        url = line.split(" on ", 1)[1].split()[0]
        assert httpx.get(f"{url}/info").json()["docker_label"] == "simulated"
    finally:
        process.terminate()
        assert process.wait(10) == 0
