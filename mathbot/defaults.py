"""Named defaults: every tunable number of mathbot in one place, each with a line on why."""

from typing import Literal

QUEUE_NAME = "mathbot"
"""The RQ queue every adapter enqueues questions on."""

MAX_TOTAL_TOKENS = 16384
"""TGI's --max-total-tokens for Fathom-R1-14B: prompt + answer must fit in it."""

MIN_ANSWER_TOKENS = 4096
"""Room kept for the answer: a prompt leaving less is refused (TGI's --max-input-tokens is 16384 - this)."""

TEMPERATURE = 0.6
"""Sampling temperature recommended by the model card."""

TOP_P = 0.95
"""Nucleus sampling recommended by the model card (TGI rejects 1.0)."""

JOB_TIMEOUT = 30 * 60
"""RQ job timeout, seconds: 16K tokens at a slow 15 tok/s under load is ~18 min, plus retries."""

HTTP_TIMEOUT = 120.0
"""Seconds the inference client waits for the next byte; a longer silence is a stalled server."""

CONNECT_TIMEOUT = 10.0
"""Seconds to open a connection to the inference server."""

RESULT_TTL = 7 * 24 * 3600
"""How long finished jobs (and their results) stay in Redis for inspection."""

FAILURE_TTL = 14 * 24 * 3600
"""How long failed jobs stay in Redis for inspection."""

DEDUPE_TTL = 15 * 60
"""Seconds an event id is remembered: longer than Slack's ~5 minute retry window."""

PROGRESS_INTERVAL = 3.0
"""Minimum seconds between two progress updates of one answer."""

SERVER_RETRIES = 4
"""Attempts after the first for a retryable inference failure (429, 5xx, connection refused)."""

RETRY_BACKOFF = 2.0
"""First backoff in seconds; doubles per attempt, with jitter, capped at RETRY_BACKOFF_MAX."""

RETRY_BACKOFF_MAX = 30.0
"""Longest single backoff between two attempts."""

RESCUE_RESERVE = 1024
"""Tokens kept back from the reasoning for budget forcing: when the reasoning reaches the rest of the
budget, it is closed and the model writes its conclusion in these (s1's "budget forcing")."""

SERVER_PROBE_TTL = 3600
"""Seconds what a server can do (token counting, budget forcing) is remembered before it is probed again,
so an upgraded or replaced server is noticed within the hour."""

OVERRUN_TOKENS = 256
"""Tokens a stream may run past its `max_tokens` before the client stops it as truncated (an honest
server never sends more; one that ignores the limit would run until the job's timeout)."""

BLANK_TOKENS = 200
"""Consecutive whitespace-only tokens after which a stream counts as making no progress and is stopped."""

SERVER_HEALTH_INTERVAL = 5.0
"""Seconds between two health checks of one inference server (one check for the whole fleet of workers)."""

SERVER_LEASE_GRACE = 30.0
"""Seconds a generation's lease on a server outlives the HTTP timeout: a worker killed mid-stream stops
counting against its server this long after its last token."""

CHARS_PER_TOKEN_ESTIMATE = 3.0
"""Conservative chars-per-token when the server cannot count (Qwen2 averages ~3.5 on math text)."""

CONSOLE_EVENT_TTL = 24 * 3600
"""Seconds the console's event stream of one question lives in Redis."""

ASK_TIMEOUT = 45 * 60
"""Seconds `mathbot ask` waits for an answer before giving up."""

MAX_QUESTION_CHARS = 60_000
"""Characters accepted in one question before tokenization: a cheap guard against absurd pastes
(~20K tokens, beyond any budget; the exact token check happens in the worker)."""

MAX_QUEUE = 500
"""Questions waiting at most; beyond that new ones get "busy, try later" (backpressure)."""

USER_IN_FLIGHT = 3
"""Questions one person may have queued or running at once."""

USER_PER_HOUR = 30
"""Questions one person may ask per hour."""

CHANNEL_IN_FLIGHT = 15
"""Questions one channel (or DM) may have queued or running at once."""

CHANNEL_PER_HOUR = 150
"""Questions one channel may ask per hour."""

SLACK_EDITS_PER_MINUTE = 40
"""Progress edits (chat.update) per Slack workspace per minute, below Tier 3's ~50 so answers always fit."""

SLACK_MAX_IMAGES = 4
"""Display formulas uploaded as PNG images per Slack answer."""

SLACK_KEEP_SECONDS = 3 * 24 * 3600
"""How long a Slack question and its reasoning stay in Redis for "Try again" and "Show reasoning"."""

SLACK_HTTP_TIMEOUT = 15
"""Seconds for one Slack Web API call (far below the worker's job timeout)."""

SLACK_RATE_LIMIT_RETRIES = 3
"""Times a final answer or error waits out Slack's Retry-After on a 429 before giving up."""

SLACK_OAUTH_STATE_TTL = 600
"""Seconds an "Add to Slack" click stays valid (its OAuth state in Redis and its browser cookie): long
enough to pick a workspace and approve, short enough that a leaked state is useless soon."""

VOTE_SAMPLES = 5
"""Samples drawn when a user asks to check an answer ("Check with 5 samples"): majority voting over
five samples recovers most of the ~20 points that cons@64 gains over pass@1 on AIME."""

MAX_SAMPLES = 8
"""Most samples one question may ask for (each is a full generation on the server)."""

VOTE_EARLY_STOP = True
"""Stop a vote's unfinished samples once they cannot change its answer: their streams close and the
server's GPU is free for other questions sooner (the card says how many were stopped)."""

SAMPLES_LIMIT = 16
"""Hard ceiling of samples in a job payload, whatever MATHBOT_MAX_SAMPLES says."""

EVAL_QUEUE_SUFFIX = "-eval"
"""Evaluation jobs go on `<MATHBOT_QUEUE>-eval`, which workers serve only when the users' queue is empty."""

EVAL_CONCURRENCY = 32
"""Evaluation samples queued or running at once: half of the compose file's 64 workers, so that while an
evaluation runs, users' questions still find free workers instead of waiting for a sample to end."""

DISCORD_MESSAGE_CONTENT = True
"""Request Discord's privileged Message Content intent (follow-ups without a mention need it)."""

PRACTICE_DEADLINE = 24 * 3600
"""Seconds a practice problem (and the problem of the day) stays open before its answer and mathbot's
worked solution are revealed in its thread: a day, so everyone in every timezone gets an evening."""

SUBMIT_COOLDOWN = 60
"""Seconds between two answers one person may submit to one practice problem (no brute forcing)."""

STUDY_KEEP_SECONDS = 30 * 24 * 3600
"""How long a practice problem stays after its deadline (its buttons still answer: closed, the answer on
Give up): a month. A check's or a study-mode answer's hidden answer lives MATHBOT_RESULT_TTL; leaderboards
are kept for good."""

MAX_GIVEN_CHARS = 1000
"""Characters of an answer submitted to /check or a practice problem (an answer, not an essay)."""
METRICS_PORT = 9100
"""Port of `mathbot worker`'s and `mathbot discord`'s GET /metrics and GET /health (node_exporter's
9100: the port Prometheus setups expect of a host's own exporter; mathbot slack uses $PORT)."""

LOG_FORMAT: Literal["text", "json"] = "text"
"""Log lines as text (one line, for people) or JSON (one object a line, for log pipelines)."""
