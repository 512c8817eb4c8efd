"""The mutable state of one simulator instance: counters, capacity, queued faults, run-time settings."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from mathbot.sim.config import SimConfig
from mathbot.sim.faults import FaultQueue
from mathbot.sim.problems import ProblemBank


@dataclass
class Stats:
    """Counters reported by `GET /_sim/stats`, so tests can see what clients did."""

    requests: Counter[str] = field(default_factory=Counter)
    generations_started: int = 0
    generations_completed: int = 0
    generations_failed: int = 0
    clients_disconnected: int = 0
    rejected_overloaded: int = 0
    rejected_validation: int = 0
    faults_applied: Counter[str] = field(default_factory=Counter)
    max_in_flight: int = 0
    tokens_streamed: int = 0
    tokens_planned: int = 0
    """Tokens the started generations would emit if every client read to the end: with tokens_streamed,
    what clients that went away early (a decided vote) saved."""
    last_chat_request: Any = None
    last_generate_request: Any = None

    def to_json(self) -> dict[str, Any]:
        """The counters as JSON."""
        return {
            "requests": dict(self.requests),
            "generations_started": self.generations_started,
            "generations_completed": self.generations_completed,
            "generations_failed": self.generations_failed,
            "clients_disconnected": self.clients_disconnected,
            "rejected_overloaded": self.rejected_overloaded,
            "rejected_validation": self.rejected_validation,
            "faults_applied": dict(self.faults_applied),
            "max_in_flight": self.max_in_flight,
            "tokens_streamed": self.tokens_streamed,
            "tokens_planned": self.tokens_planned,
            "last_chat_request": self.last_chat_request,
            "last_generate_request": self.last_generate_request,
        }


class SimState:
    """One per app: the config, the known problems and everything that changes while serving."""

    def __init__(self, config: SimConfig, bank: ProblemBank) -> None:
        self.config = config
        self.bank = bank
        self.faults = FaultQueue()
        self.stats = Stats()
        self.tokens_per_second = config.tokens_per_second
        self.accuracy = config.accuracy
        self.solution_paragraphs = config.solution_paragraphs
        self.unhealthy = False
        self.in_flight = 0
        self._seeds = random.Random(config.seed)

    def try_acquire(self) -> bool:
        """Take a generation slot; False when `capacity` generations are already running."""
        if self.in_flight >= self.config.capacity:
            return False
        self.in_flight += 1
        self.stats.max_in_flight = max(self.stats.max_in_flight, self.in_flight)
        return True

    def release(self) -> None:
        """Give a generation slot back."""
        self.in_flight -= 1

    def next_seed(self) -> int:
        """A seed for a request that sent none (TGI draws a random one); reproducible per `config.seed`."""
        return self._seeds.randrange(2**32)

    def reset_faults(self) -> None:
        """Drop queued faults and restore the configured rate and health."""
        self.faults.clear()
        self.tokens_per_second = self.config.tokens_per_second
        self.accuracy = self.config.accuracy
        self.solution_paragraphs = self.config.solution_paragraphs
        self.unhealthy = False

    def reset_stats(self) -> None:
        """Zero every counter."""
        self.stats = Stats()
        self.stats.max_in_flight = self.in_flight
