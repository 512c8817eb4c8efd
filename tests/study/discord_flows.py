"""Discord study flows as a person does them, and what they saw."""

from __future__ import annotations

from typing import Any

from tests.discord.conftest import FakeServer
from tests.support.processes import wait_for


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """kind → custom id of a message's study buttons (`mathbot:<kind>:<ref>`)."""
    ids = [c["custom_id"] for row in message.get("components") or [] for c in row["components"]]
    return {custom_id.split(":")[1]: custom_id for custom_id in ids}


def seen(
    served: FakeServer, user: dict[str, Any], count: int, *, contains: str = "", timeout: float = 30
) -> dict[str, Any]:
    """The `count`-th private message `user` saw (an ephemeral response edited later counts once, as it
    reads now), waiting until it is there (and holds `contains`)."""

    def found() -> dict[str, Any] | None:
        mine = served.fake.seen_by(user["id"])
        if len(mine) >= count and contains in mine[count - 1]["content"]:
            return mine[count - 1]
        return None

    return wait_for(found, timeout, message=f"private message #{count} for {user['username']} ({contains!r})")  # type: ignore[no-any-return]


def public_text(served: FakeServer) -> str:
    return "\n".join(m["content"] for m in served.fake.public())
