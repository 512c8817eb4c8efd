"""Every inference-server feature against each server's own protocol, through `mathbot ask` and a real
worker (issue 12, item 1): token counting, the reasoning split, length refusals (refit) and budget
forcing, on TGI, vLLM, SGLang and `transformers serve` (simulated in their modes)."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from bots.console.ask import EXIT_ANSWERED, EXIT_TRUNCATED, ask
from mathbot import messages
from mathbot.settings import Settings
from tests.conftest import require_data, settings_env
from tests.support import processes
from tests.support.inference import AIME_2025_1, fault, requests, sim, stats
from tests.support.servers import ThreadedApp

require_data()

MODES = ["tgi", "vllm", "sglang", "transformers"]


@pytest.fixture(params=MODES)
def server(request: pytest.FixtureRequest) -> Iterator[tuple[str, ThreadedApp]]:
    """A simulated server in each mode, its input limit as budget forcing needs it on TGI."""
    for app in sim(request.param, tokens_per_second=20000.0, max_input_tokens=16383):
        yield request.param, app


@contextlib.contextmanager
def worker(redis_url: str, app: ThreadedApp, tmp_path: Path, monkeypatch, **env: str) -> Iterator[None]:
    """A worker process against `app` (and this process's settings alike), stopped whatever happens."""
    settings = settings_env(redis_url, app.url, **env)
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    process = processes.start(
        ["worker"], settings, log=tmp_path / f"worker-{len(list(tmp_path.iterdir()))}.log"
    )
    try:
        yield
    finally:
        processes.stop(process)


def run_ask(question: str) -> str:
    """`mathbot ask`: its exit code, stdout and stderr, one per line block."""
    out, err = io.StringIO(), io.StringIO()
    code = ask(question, Settings(_env_file=None), timeout=90, out=out, err=err)  # type: ignore[call-arg]
    return f"{code}\n{out.getvalue()}\n{err.getvalue()}"


def test_answers_and_rescues_on_each_server(server, redis_url: str, tmp_path: Path, monkeypatch) -> None:
    mode, app = server
    with worker(redis_url, app, tmp_path, monkeypatch):
        answered = run_ask(AIME_2025_1)
        assert answered.startswith(f"{EXIT_ANSWERED}\n") and "Final answer: 70" in answered, answered
        assert "</think>" not in answered and "<｜" not in answered  # the reasoning split off, no template
        fault(app, no_answer=1)  # this one thinks past any budget
        rescued = run_ask(AIME_2025_1)
    if mode == "transformers":  # no way to continue a generation there: the plain truncated path
        assert rescued.startswith(f"{EXIT_TRUNCATED}\n") and messages.TRUNCATED in rescued, rescued
        assert "Final answer: 70" not in rescued and "<｜" not in rescued  # no echoed prompt as answer
    else:
        assert rescued.startswith(f"{EXIT_ANSWERED}\n") and "Final answer: 70" in rescued, rescued
        assert messages.RESCUED in rescued
    count = {"tgi": "/chat_tokenize", "vllm": "/tokenize"}.get(mode)
    if count:  # counted exactly, by the endpoint remembered after one probe
        assert requests(app)[count] >= 2
    assert stats(app)["faults_applied"] == {"no_answer": 1}


@pytest.mark.parametrize("mode", ["tgi", "vllm", "sglang"])
def test_a_length_refusal_is_refitted_on_each_server(
    mode: str, redis_url: str, tmp_path: Path, monkeypatch
) -> None:
    """mathbot thinks the budget is 20,000 tokens; the server says 16,384 in its own words."""
    for app in sim(mode, tokens_per_second=20000.0):
        with worker(redis_url, app, tmp_path, monkeypatch, MATHBOT_MAX_TOTAL_TOKENS="20000"):
            out = run_ask(AIME_2025_1)
        assert out.startswith(f"{EXIT_ANSWERED}\n") and "Final answer: 70" in out, out
        seen = stats(app)
        assert seen["rejected_validation"] == 1 and seen["requests"]["/v1/chat/completions"] == 2
        total = seen["last_chat_request"]["max_tokens"] + seen["last_chat_request"].get("prompt_tokens", 0)
        assert total <= 16384


def test_transformers_serve_is_probed_once(redis_url: str, tmp_path: Path, monkeypatch) -> None:
    """No token endpoint and no continuation: estimated counts, the plain truncated path, and the two
    404s of the probe paid once, not per question."""
    for app in sim("transformers", tokens_per_second=20000.0):
        with worker(redis_url, app, tmp_path, monkeypatch):
            for _ in range(2):
                out = run_ask("What is 2 + 2?")
                assert out.split("\n", 1)[0] in (str(EXIT_ANSWERED), str(EXIT_TRUNCATED)), out
        seen = requests(app)
        assert seen["/v1/chat/completions"] == 2
        assert seen["/chat_tokenize"] == 1 and seen["/tokenize"] == 1 and seen["/get_model_info"] == 1
