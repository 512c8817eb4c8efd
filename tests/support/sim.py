"""The TGI simulator (`mathbot.sim`) under test control: start one with a config, queue faults, read
its counters, all through its own HTTP routes (`/_sim/faults`, `/_sim/stats`)."""

from __future__ import annotations

from typing import Any

import httpx

from mathbot.sim import SimConfig, make_app
from tests.support.data import DATA_DIR
from tests.support.servers import ThreadedApp


class Sim(ThreadedApp):
    """A simulator served from a thread (`url`), with its test controls."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        super().__init__(lambda: make_app(config), access_log=False)

    def faults(self, **spec: Any) -> dict[str, Any]:
        """Queue or apply faults (e.g. `tokens_per_second=60`, `error_status=503, error_count=2`,
        `no_answer=True`, `accuracy=0.5`); fails the test if the simulator refuses the spec."""
        response = httpx.post(f"{self.url}/_sim/faults", json=spec)
        response.raise_for_status()
        return dict(response.json())

    def clear_faults(self) -> None:
        """Drop queued faults and go back to the configured speed and accuracy."""
        httpx.delete(f"{self.url}/_sim/faults").raise_for_status()

    def stats(self) -> dict[str, Any]:
        """Counters: requests per route, generations started and completed, in flight, last request."""
        return dict(httpx.get(f"{self.url}/_sim/stats").json())

    def reset_stats(self) -> None:
        httpx.delete(f"{self.url}/_sim/stats").raise_for_status()

    def reset(self) -> None:
        """No faults queued and zeroed counters, as if just started."""
        self.clear_faults()
        self.reset_stats()


def start(config: SimConfig | None = None, **fields: Any) -> Sim:
    """A running simulator with `config`, or `SimConfig(**fields)` answering known problems from the
    shared problem sets where they are here (unless `data_dir` is given). Stop it with `.stop()`."""
    if config is None:
        fields.setdefault("data_dir", str(DATA_DIR) if DATA_DIR.is_dir() else None)
        config = SimConfig(**fields)
    return Sim(config).start()
