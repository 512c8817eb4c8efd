"""The environment of mathbot under test: the Redis database the tests own, and quick settings."""

from __future__ import annotations

import os

TEST_REDIS_URL = os.environ.get("MATHBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
"""The Redis database the tests flush and use (`make test`: 15); set another to run two sessions."""


def settings_env(redis_url: str, tgi_url: str, **extra: str) -> dict[str, str]:
    """Environment for a mathbot process in tests: quick progress and retries."""
    env = {
        "REDIS_URL": redis_url,
        "TGI_URL": tgi_url,
        "MATHBOT_PROGRESS_INTERVAL": "0.2",
        "MATHBOT_RETRY_BACKOFF": "0.05",
        "MATHBOT_HTTP_TIMEOUT": "5",
        "MATHBOT_LOG_LEVEL": "INFO",
        # Tests run many workers at once on one host: none serves /metrics unless a test asks for a port.
        "MATHBOT_METRICS_PORT": "0",
    }
    env.update(extra)
    return env
