"""Budget forcing (issue 10, item 4): reasoning that runs out of room is closed and concluded, on every
server that allows a continuation, and stays "truncated" on those that do not."""

from __future__ import annotations

import pytest
import redis

from mathbot import messages
from tests.conftest import require_data
from tests.support.inference import SMALL, ask, fault, requests, settings_for, sim, stats
from workers.rescue import CLOSING

require_data()

ROUTES = {
    "tgi": {"/v1/chat/completions": 1, "/chat_tokenize": 2, "/generate_stream": 1},
    "vllm": {"/v1/chat/completions": 1, "/v1/completions": 2, "/detokenize": 2},  # one of each: the probe
    "sglang": {"/v1/chat/completions": 2},
}
"""Requests that show each server's route: the chat stream, then the continuation (and the template)."""


@pytest.mark.parametrize("mode", sorted(ROUTES))
def test_reasoning_that_runs_out_of_room_is_concluded(
    mode: str, redis_url: str, redis_conn: redis.Redis
) -> None:
    for app in sim(mode, truncate_share=1.0, **SMALL):
        answer = ask(settings_for(redis_url, app.url), redis_conn)
        assert answer.rescued and not answer.truncated and answer.final == "70", answer.finish_reason
        assert answer.reasoning.endswith(CLOSING.split("</think>")[0].strip())
        assert "cut short" in answer.solution and answer.finish_reason == "stop"
        seen = requests(app)
        assert {path: seen.get(path, 0) for path in ROUTES[mode]} == ROUTES[mode], seen
        first = stats(app)["last_chat_request"] if mode != "sglang" else None
        if first is not None:  # the chat stream kept the reserve back
            assert first["max_tokens"] == 4096 - answer.prompt_tokens - 512
        assert answer.completion_tokens > 4096 - answer.prompt_tokens - 512  # both generations counted


def test_without_a_reserve_the_answer_stays_truncated(redis_url: str, redis_conn: redis.Redis) -> None:
    for app in sim("tgi", truncate_share=1.0, **SMALL):
        answer = ask(settings_for(redis_url, app.url, rescue_reserve=0), redis_conn)
        assert answer.truncated and not answer.rescued and answer.final is None
        assert requests(app).get("/generate_stream", 0) == 0
        assert stats(app)["last_chat_request"]["max_tokens"] == 4096 - answer.prompt_tokens


def test_tgi_with_a_short_input_limit_cannot_continue(
    redis_url: str, redis_conn: redis.Redis, caplog
) -> None:
    """TGI refuses a prompt over `--max-input-tokens`; the reasoning so far must fit back in."""
    for app in sim("tgi", truncate_share=1.0, max_total_tokens=4096, max_input_tokens=3072):
        answer = ask(settings_for(redis_url, app.url), redis_conn)
        assert answer.truncated and not answer.rescued
        assert requests(app).get("/generate_stream", 0) == 0
        assert stats(app)["last_chat_request"]["max_tokens"] == 4096 - answer.prompt_tokens  # no reserve
        assert "--max-input-tokens 4095" in caplog.text


def test_a_server_that_cannot_continue_gets_its_whole_budget(redis_url: str, redis_conn: redis.Redis) -> None:
    """`transformers serve`: no template endpoint, no completions: the plain "truncated" path."""
    for app in sim("transformers", truncate_share=1.0, **SMALL):
        answer = ask(settings_for(redis_url, app.url), redis_conn)
        assert not answer.rescued and not answer.final  # its echoed prompt's empty box is no answer
        assert requests(app)["/v1/chat/completions"] == 1
        assert stats(app)["last_chat_request"]["max_tokens"] == 4096 - answer.prompt_tokens  # no reserve


def test_a_continuation_refused_for_length_is_refitted_once(redis_url: str, redis_conn: redis.Redis) -> None:
    for app in sim("vllm", truncate_share=1.0, **SMALL):
        refusal = (
            "'max_tokens' or 'max_completion_tokens' is too large: 512. This model's maximum context length "
            "is 4096 tokens and your request has 3600 input tokens (512 > 4096 - 3600)."
        )
        fault(app, stall_after_tokens=0, stall_seconds=0)  # taken by the chat stream: the next is ours
        fault(app, error_status=400, error_message=refusal)
        answer = ask(settings_for(redis_url, app.url), redis_conn)
        assert answer.rescued and answer.final == "70"
        assert requests(app)["/v1/completions"] == 3  # the probe, the refused one, the refitted one
        assert stats(app)["last_completion_request"]["max_tokens"] == 4096 - 3600 - 32


def test_a_continuation_the_server_refuses_leaves_it_truncated(
    redis_url: str, redis_conn: redis.Redis
) -> None:
    for app in sim("tgi", truncate_share=1.0, **SMALL):
        fault(app, stall_after_tokens=0, stall_seconds=0)
        fault(app, error_status=422, error_message="Input validation error: `stop` supports up to 4")
        answer = ask(settings_for(redis_url, app.url), redis_conn)
        assert answer.truncated and not answer.rescued and answer.final is None
        assert "Considering the limited time" not in answer.reasoning  # nothing shown of a failed rescue
        assert requests(app)["/generate_stream"] == 1


def test_the_card_marks_a_concluded_answer(redis_url: str, redis_conn: redis.Redis) -> None:
    from bots.console.layout import answer_text

    for app in sim("tgi", truncate_share=1.0, **SMALL):
        text = answer_text(ask(settings_for(redis_url, app.url), redis_conn))
        assert "Final answer: 70" in text and messages.RESCUED in text
