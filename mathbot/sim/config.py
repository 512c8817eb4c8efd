"""Settings of the simulated TGI server: one frozen dataclass, every default named once."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_TOKENS_PER_SECOND = 200.0
"""Generation speed of one stream; an H200 gives Fathom-R1-14B roughly 100 tok/s per stream."""

DEFAULT_CAPACITY = 64
"""Generations in flight at once; one more gets HTTP 429, like TGI's `--max-concurrent-requests`."""

DEFAULT_MAX_TOTAL_TOKENS = 16384
"""TGI's `--max-total-tokens` as mathbot deploys it (prompt + completion)."""

DEFAULT_MAX_INPUT_TOKENS = 15360
"""TGI's `--max-input-tokens`; TGI requires it to be below the total."""

DEFAULT_REASONING_TOKENS = 1500
"""Approximate length of the simulated chain of thought (the real model writes 8-12K)."""

DEFAULT_MODEL_ID = "FractalAIResearch/Fathom-R1-14B"
"""The model id reported by /info, /v1/models and every completion."""

SHAPES = ("r1", "tags", "split")
"""Output shapes: R1 (only `</think>`), both tags, or reasoning in a separate delta field (vLLM)."""

REASONING_FIELDS = ("reasoning_content", "reasoning")
"""Names vLLM has used for the separate reasoning field of the "split" shape."""

DEFAULT_ACCURACY = 1.0
"""Share of sampled generations that box the right answer; the rest box a plausible wrong one
(Fathom-R1-14B's AIME 2025 pass@1 is ~0.53: try 0.55 to see majority voting at work)."""

DEFAULT_TICKS_PER_SECOND = 25.0
"""How often a stream flushes the tokens that are due; each token is still its own SSE event."""

MAX_STOP_SEQUENCES = 4
"""TGI's default `--max-stop-sequences`."""

TGI_VERSION = "3.3.6"
"""The TGI version the simulator imitates (that of the OpenAPI spec in /work/shared/reference)."""

DOCKER_LABEL = "simulated"
"""Reported as /info's `docker_label`; TGI builds `system_fingerprint` as "<version>-<label>"."""

ROUTER_NAME = "mathbot-sim"
"""Reported as /info's `router` (real TGI says "text-generation-router")."""


@dataclass(frozen=True)
class SimConfig:
    """Everything the simulator can be told at start-up; fault injection changes things at run time."""

    tokens_per_second: float = DEFAULT_TOKENS_PER_SECOND
    capacity: int = DEFAULT_CAPACITY
    max_total_tokens: int = DEFAULT_MAX_TOTAL_TOKENS
    max_input_tokens: int = DEFAULT_MAX_INPUT_TOKENS
    reasoning_tokens: int = DEFAULT_REASONING_TOKENS
    model_id: str = DEFAULT_MODEL_ID
    shape: str = "r1"
    data_dir: str | None = None
    seed: int = 0
    ticks_per_second: float = DEFAULT_TICKS_PER_SECOND
    tokens_per_chunk: int = 1
    """Tokens merged into one chat chunk (TGI sends one per chunk); more is lighter at high rates."""
    reasoning_field: str = "reasoning_content"
    """Delta/message field that carries the reasoning in the "split" shape."""
    tokenize: bool = True
    """Serve `/tokenize` and `/chat_tokenize`; False answers 404 there, like a server without them
    (clients then fall back to estimating, and may be refused with TGI's length 422)."""
    accuracy: float = DEFAULT_ACCURACY
    """Share of sampled generations whose boxed answer is right (greedy ones always are)."""
    solution_paragraphs: int = 0
    """Extra paragraphs of simulated steps in the solution (0: the short sketch): a long answer, as a
    chat sees one, that takes several messages."""
    sse_space: bool = True
    """Frame events as `data: {...}` (TGI 3.x as seen by clients); False gives old axum's `data:{...}`."""

    def __post_init__(self) -> None:
        if self.shape not in SHAPES:
            raise ValueError(f"shape must be one of {', '.join(SHAPES)}, not {self.shape!r}")
        if self.reasoning_field not in REASONING_FIELDS:
            raise ValueError(f"reasoning_field must be one of {', '.join(REASONING_FIELDS)}")
        if self.tokens_per_second <= 0 or self.ticks_per_second <= 0:
            raise ValueError("tokens_per_second and ticks_per_second must be positive")
        if self.capacity < 1 or self.tokens_per_chunk < 1:
            raise ValueError("capacity and tokens_per_chunk must be at least 1")
        if not 0 < self.max_input_tokens < self.max_total_tokens:
            raise ValueError("max_input_tokens must be positive and below max_total_tokens (as in TGI)")
        if not 0 <= self.accuracy <= 1:
            raise ValueError("accuracy must be between 0 and 1")
        if self.reasoning_tokens < 0 or self.solution_paragraphs < 0:
            raise ValueError("reasoning_tokens and solution_paragraphs cannot be negative")
