"""What an inference server can do, probed once and remembered in Redis for every worker.

Three things differ between the servers mathbot talks to, and each costs requests to find out:

- where prompt tokens are counted: TGI's `/chat_tokenize`, vLLM's `/tokenize` with chat messages, or
  nowhere (SGLang's `/tokenize` takes plain prompts only; `transformers serve` and llama.cpp have no
  chat count), where mathbot estimates;
- where the templated prompt comes from, for budget forcing: TGI's `/chat_tokenize` (`templated_text`),
  vLLM's `/tokenize` then `/detokenize`, or nowhere;
- how a generation is continued after its reasoning is closed (budget forcing): TGI's `/generate_stream`,
  `/v1/completions` with the templated prompt (vLLM), chat with `continue_final_message` (SGLang, which
  appends the last assistant message after the template's generation prompt; vLLM renders that message
  through the template instead, which drops everything before `</think>` in R1's template), or not at
  all (`transformers serve`: the plain "truncated" path).

A server is recognised by an endpoint only it has (TGI `/chat_tokenize`, vLLM `/tokenize` with messages,
SGLang `GET /get_model_info`). The answer is kept per server in a Redis hash for SERVER_PROBE_TTL, so the
fleet of workers probes each server once an hour instead of every question paying two 404s.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict, dataclass
from typing import Literal

import redis

from mathbot import defaults, keys

log = logging.getLogger(__name__)

CountPath = Literal["/chat_tokenize", "/tokenize", ""]
Template = Literal["chat_tokenize", "detokenize", ""]
Route = Literal["generate_stream", "completions", "continue_final_message", ""]

COUNT_PATHS: tuple[CountPath, ...] = ("/chat_tokenize", "/tokenize")
"""Token-count endpoints tried, in order (TGI's, then vLLM's)."""


@dataclass(frozen=True)
class Profile:
    """What one server can do."""

    count: CountPath = ""
    """The endpoint that counts a chat prompt's tokens ("": none, estimate)."""
    template: Template = ""
    """Where the templated prompt text comes from ("": nowhere)."""
    route: Route = ""
    """How a generation is continued after its reasoning was closed ("": it cannot be)."""
    input_limit: int = 0
    """The longest prompt the server takes, when it has a limit of its own below its total (TGI's
    `--max-input-tokens`, from `/info`); 0: none known. A continuation's prompt holds the reasoning."""

    @property
    def can_rescue(self) -> bool:
        """Budget forcing works here: a route, and the templated prompt it needs (chat needs none)."""
        return self.route == "continue_final_message" or bool(self.route and self.template)


def derive(
    count: CountPath, *, detokenizes: bool, completes: bool, sglang: bool, input_limit: int = 0
) -> Profile:
    """The profile that follows from what a server answered (pure)."""
    if count == "/chat_tokenize":  # only TGI has it, and TGI always has /generate_stream
        return Profile(count, "chat_tokenize", "generate_stream", input_limit)
    if count == "/tokenize" and detokenizes and completes:  # vLLM
        return Profile(count, "detokenize", "completions")
    if sglang:
        return Profile(count, "", "continue_final_message")
    return Profile(count)


class Profiles:
    """Profiles of servers: in this process, and shared through Redis (when a connection is given)."""

    def __init__(self, connection: redis.Redis | None = None, ttl: float = defaults.SERVER_PROBE_TTL) -> None:
        self.connection, self.ttl = connection, ttl
        self._local: dict[str, tuple[Profile, float]] = {}
        self._lock = threading.Lock()

    def get(self, server: str) -> Profile | None:
        """The remembered profile of `server` (its label), or None when it must be probed."""
        with self._lock:
            local = self._local.get(server)
        if local is not None and time.monotonic() < local[1]:
            return local[0]
        if self.connection is None:
            return None
        try:
            raw = self.connection.hgetall(keys.SERVER + server)
        except redis.RedisError:
            log.warning("server=%s profile unreadable in Redis; probing", server, exc_info=True)
            return None
        if not raw:
            return None
        fields = {_text(k): _text(v) for k, v in raw.items()}
        profile = Profile(
            count=fields.get("count", ""),  # type: ignore[arg-type]
            template=fields.get("template", ""),  # type: ignore[arg-type]
            route=fields.get("route", ""),  # type: ignore[arg-type]
            input_limit=int(fields.get("input_limit") or 0),
        )
        self._remember(server, profile, self.ttl)
        return profile

    def put(self, server: str, profile: Profile) -> None:
        """Remember `profile` for every worker, for the TTL."""
        self._remember(server, profile, self.ttl)
        if self.connection is None:
            return
        try:
            with self.connection.pipeline() as pipe:
                pipe.delete(keys.SERVER + server)
                pipe.hset(keys.SERVER + server, mapping={k: str(v) for k, v in asdict(profile).items()})
                pipe.expire(keys.SERVER + server, max(1, int(self.ttl)))
                pipe.execute()
        except redis.RedisError:
            log.warning("server=%s profile not stored in Redis", server, exc_info=True)

    def forget(self, server: str) -> None:
        """Drop what is known of `server`: it answered unlike its profile (upgraded, replaced)."""
        with self._lock:
            self._local.pop(server, None)
        if self.connection is not None:
            try:
                self.connection.delete(keys.SERVER + server)
            except redis.RedisError:
                log.warning("server=%s profile not dropped from Redis", server, exc_info=True)

    def _remember(self, server: str, profile: Profile, ttl: float) -> None:
        with self._lock:
            self._local[server] = (profile, time.monotonic() + ttl)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
