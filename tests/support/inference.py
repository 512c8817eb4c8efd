"""Helpers for tests of the inference layer: a simulator in any mode, settings against it, one generation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import redis

from mathbot.jobs import Question, ReplyTarget, Sampling, Turn
from mathbot.outcome import Answer, Progress
from mathbot.settings import Settings
from tests.conftest import DATA_DIR
from tests.support.servers import ThreadedApp
from workers.fleet import Fleet
from workers.generate import generate

AIME_2025_1 = (
    "Find the sum of all integer bases \\( b > 9 \\) for which \\( 17_b \\) is a divisor of \\( 97_b \\)."
)
"""aime_2025.jsonl id 1; the official answer is 70."""

SMALL = {"max_total_tokens": 4096, "max_input_tokens": 4095}
"""A small budget, so a generation that runs out of room is quick to stream; TGI's input limit just below
the total (as budget forcing needs: the continuation's prompt holds the reasoning)."""


def sim(mode: str = "tgi", **config: Any) -> Iterator[ThreadedApp]:
    """A simulator in `mode` (its own output shape), fast, knowing the shared problem sets."""
    from mathbot.sim import SimConfig, make_app
    from mathbot.sim.config import MODE_SHAPES

    settings = {
        "tokens_per_second": 50000.0,
        "reasoning_tokens": 300,
        "shape": MODE_SHAPES[mode],
        "data_dir": str(DATA_DIR) if DATA_DIR.is_dir() else None,
        **config,
    }
    app = ThreadedApp(lambda: make_app(SimConfig(mode=mode, **settings))).start()
    yield app
    app.stop()


def settings_for(redis_url: str, *urls: str, **knobs: Any) -> Settings:
    """Settings against `urls` (TGI_URL), quick retries, the small budget unless told otherwise."""
    values: dict[str, Any] = {
        "redis_url": redis_url,
        "tgi_url": ",".join(urls),
        "max_total_tokens": SMALL["max_total_tokens"],
        "min_answer_tokens": 2048,
        "rescue_reserve": 512,
        "http_timeout": 5.0,
        "retry_backoff": 0.01,
        "progress_interval": 0.0,
        **knobs,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def ask(settings: Settings, connection: redis.Redis, text: str = AIME_2025_1, **sampling: Any) -> Answer:
    """One generation of `text` through the fleet of `settings`, as a worker runs it."""
    question = Question(
        target=ReplyTarget(platform="console", channel="test"),
        turns=[Turn(role="user", content=text)],
        sampling=Sampling(**sampling),
    )
    progress: list[Progress] = []
    return generate(question, Fleet(settings, connection), progress.append, settings, sleep=lambda _: None)


def stats(app: ThreadedApp) -> dict[str, Any]:
    return dict(httpx.get(app.url + "/_sim/stats").json())


def requests(app: ThreadedApp) -> dict[str, int]:
    return dict(stats(app)["requests"])


def fault(app: ThreadedApp, **spec: Any) -> None:
    httpx.post(app.url + "/_sim/faults", json=spec).raise_for_status()
