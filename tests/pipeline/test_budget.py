"""The token budget against a server that cannot count for us: a length refusal (TGI's 422) is fitted
again with the server's own numbers, once, instead of failing with "rejected the request"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bots.console.ask import EXIT_ANSWERED, EXIT_BAD_INPUT
from tests.support import sim as simulator
from tests.support.ask import run_ask
from tests.support.sim import Sim


@pytest.fixture
def sim() -> Iterator[Sim]:
    """A simulator without /tokenize and /chat_tokenize: the worker can only estimate."""
    app = simulator.start(tokens_per_second=4000.0, reasoning_tokens=200, tokenize=False, data_dir=None)
    yield app
    app.stop()


def digits(groups: int) -> str:
    """Digits are one token each (as in Qwen), three times the estimate of ~3 characters a token."""
    return "Find the sum of the digits of " + " ".join(["1234567890"] * groups) + "."


def test_a_miscounted_prompt_is_refitted_with_the_servers_count(settings, sim, worker) -> None:
    code, out, err = run_ask(digits(800), settings)  # ~8,800 tokens; estimated ~3,000
    assert code == EXIT_ANSWERED, err
    seen = sim.stats()
    assert seen["rejected_validation"] == 1
    assert seen["requests"]["/v1/chat/completions"] == 2
    last = seen["last_chat_request"]
    assert last["max_tokens"] <= 16384 - 8800


def test_a_prompt_the_server_counts_too_long_is_refused_in_numbers(settings, sim, worker) -> None:
    code, out, err = run_ask(digits(1270), settings)  # ~14,000 tokens: fits TGI's input, not our reserve
    assert code == EXIT_BAD_INPUT, err
    assert "too long" in err and "12,288" in err
    assert sim.stats()["requests"]["/v1/chat/completions"] == 1
