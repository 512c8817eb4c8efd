"""The inference client against the simulator's real HTTP protocol: counting, streaming, framing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mathbot.settings import Settings
from tests.support import sim as simulator
from tests.support.sim import Sim
from workers.inference import InferenceServer, Params

MESSAGES = [{"role": "user", "content": "What is 2 + 2?"}]
PARAMS = Params(max_tokens=2000, temperature=0.6, top_p=0.95, seed=7)


def serve(**config: object) -> Iterator[Sim]:
    app = simulator.start(tokens_per_second=5000.0, reasoning_tokens=50, data_dir=None, **config)
    yield app
    app.stop()


@pytest.fixture(params=[True, False], ids=["data-space", "data-no-space"])
def framed_sim(request: pytest.FixtureRequest) -> Iterator[Sim]:
    yield from serve(sse_space=request.param)


@pytest.fixture(params=["r1", "tags", "split"])
def shaped_sim(request: pytest.FixtureRequest) -> Iterator[Sim]:
    yield from serve(shape=request.param)


def server_for(app: Sim) -> InferenceServer:
    return InferenceServer(Settings(_env_file=None, tgi_url=app.url))  # type: ignore[call-arg]


def test_stream_ends_cleanly_with_either_sse_framing(framed_sim: Sim) -> None:
    server = server_for(framed_sim)
    deltas = list(server.stream(MESSAGES, PARAMS))
    server.close()
    assert deltas[-1].finish_reason == "stop" or any(d.finish_reason == "stop" for d in deltas)
    assert "\\boxed{" in "".join(d.content for d in deltas)


def test_every_reasoning_shape_streams(shaped_sim: Sim) -> None:
    server = server_for(shaped_sim)
    deltas = list(server.stream(MESSAGES, PARAMS))
    server.close()
    text = "".join(d.content for d in deltas)
    reasoning = "".join(d.reasoning for d in deltas)
    assert "\\boxed{" in text
    assert ("</think>" in text) or reasoning


def test_counts_with_the_servers_tokenizer(shaped_sim: Sim) -> None:
    server = server_for(shaped_sim)
    short = server.count(MESSAGES)
    long = server.count([{"role": "user", "content": "What is 2 + 2? " * 100}])
    server.close()
    assert long > short + 100
    assert server._count_paths == ("/chat_tokenize",)


def test_a_connection_lost_after_the_finish_reason_keeps_the_answer() -> None:
    """TGI sends the finish chunk, then usage, then [DONE]: a drop in between loses nothing."""
    for app in serve():
        server = server_for(app)
        complete = list(server.stream(MESSAGES, PARAMS))
        tokens = next(d.completion_tokens for d in complete if d.completion_tokens)
        app.faults(die_after_tokens=tokens)
        again = list(server.stream(MESSAGES, PARAMS))
        server.close()
        assert app.stats()["faults_applied"] == {"die": 1}
        assert "".join(d.content for d in again) == "".join(d.content for d in complete)
        assert [d.finish_reason for d in again if d.finish_reason] == ["stop"]


def test_a_stream_cut_mid_answer_is_a_failing_server_not_an_unreachable_one() -> None:
    """The asker reads "failed while answering" (it was reachable), and the worker retries it."""
    from mathbot import errors, messages

    for app in serve():
        server = server_for(app)
        app.faults(die_after_tokens=20)
        got: list[str] = []
        with pytest.raises(errors.ServerUnavailable) as raised:
            for delta in server.stream(MESSAGES, PARAMS):
                got.append(delta.content + delta.reasoning)
        server.close()
        assert got, "some tokens came before the cut"
        assert raised.value.user_message == messages.SERVER_FAILING and raised.value.retryable
