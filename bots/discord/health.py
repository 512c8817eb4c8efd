"""GET /health of `mathbot discord` (on MATHBOT_METRICS_PORT, beside GET /metrics): 200 while the
gateway connection is up (logged in, READY received, its WebSocket open) and Redis answers."""

from __future__ import annotations

from typing import Any

import discord
import redis


class GatewayHealth:
    """The check; `client` is the client of the current connection (set by the adapter, None before)."""

    def __init__(self, connection: redis.Redis) -> None:
        self.connection = connection
        self.client: discord.Client | None = None

    def __call__(self) -> dict[str, Any]:
        client = self.client
        ws = client.ws if client is not None else None
        gateway = bool(client and client.is_ready() and not client.is_closed() and ws is not None and ws.open)
        try:
            reachable = bool(self.connection.ping())
        except redis.RedisError:
            reachable = False
        return {"ok": gateway and reachable, "gateway": gateway, "redis": reachable}
