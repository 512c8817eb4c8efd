"""The worker's REST client against the fake Discord: mentions off, files, rate limits, errors."""

from __future__ import annotations

import time

import httpx
import pytest

from bots.discord.rest import DiscordError, RateLimited, RestClient, Upload, route_key
from tests.discord.conftest import FakeServer
from tests.fakes.discord import CHANNEL_ID, TOKEN


def test_messages_allow_no_mentions(rest: RestClient, discord_fake: FakeServer) -> None:
    posted = rest.create_message(str(CHANNEL_ID), "hello <@123> @everyone")
    rest.edit_message(str(CHANNEL_ID), posted["id"], "edited")
    calls = discord_fake.fake.message_calls()
    assert [c.method for c in calls] == ["POST", "PATCH"]
    assert all(c.json["allowed_mentions"] == {"parse": []} for c in calls)


def test_files_go_as_multipart_with_attachments(rest: RestClient, discord_fake: FakeServer) -> None:
    posted = rest.create_message(str(CHANNEL_ID), "placeholder")
    files = [
        Upload("reasoning.md", b"# Reasoning\n", "text/markdown"),
        Upload("f.png", b"\x89PNG", "image/png"),
    ]
    edited = rest.edit_message(str(CHANNEL_ID), posted["id"], "answer", files=files)
    call = discord_fake.fake.calls[-1]
    assert call.files == [("reasoning.md", b"# Reasoning\n"), ("f.png", b"\x89PNG")]
    assert call.json["attachments"] == [{"id": 0, "filename": "reasoning.md"}, {"id": 1, "filename": "f.png"}]
    assert call.json["allowed_mentions"] == {"parse": []}
    assert [a["filename"] for a in edited["attachments"]] == ["reasoning.md", "f.png"]


def test_best_effort_edit_skips_a_rate_limit_and_remembers_the_bucket(
    rest: RestClient, discord_fake: FakeServer
) -> None:
    fake = discord_fake.fake
    posted = rest.create_message(str(CHANNEL_ID), "placeholder")
    fake.rate_limit("PATCH", r"/channels/\d+/messages/\d+", retry_after=0.5)
    with pytest.raises(RateLimited):
        rest.edit_message(str(CHANNEL_ID), posted["id"], "progress 1", best_effort=True)
    before = len(fake.calls)
    with pytest.raises(RateLimited):  # the bucket is known to be empty: not even tried
        rest.edit_message(str(CHANNEL_ID), posted["id"], "progress 2", best_effort=True)
    assert len(fake.calls) == before


def test_essential_edit_waits_out_a_rate_limit(rest: RestClient, discord_fake: FakeServer) -> None:
    fake = discord_fake.fake
    posted = rest.create_message(str(CHANNEL_ID), "placeholder")
    fake.rate_limit("PATCH", r"/channels/\d+/messages/\d+", retry_after=0.4)
    started = time.monotonic()
    edited = rest.edit_message(str(CHANNEL_ID), posted["id"], "the answer")
    assert time.monotonic() - started >= 0.35
    assert edited["content"] == "the answer"
    assert [c.method for c in fake.calls[-2:]] == ["PATCH", "PATCH"]


def test_unknown_message_is_a_typed_error(rest: RestClient) -> None:
    with pytest.raises(DiscordError) as caught:
        rest.edit_message(str(CHANNEL_ID), "42", "x")
    assert caught.value.status == 404 and caught.value.code == 10008
    assert TOKEN not in str(caught.value)


def test_route_keys_keep_the_channel_and_drop_the_message() -> None:
    assert route_key("PATCH", "/channels/1/messages/2") == "PATCH /channels/1/messages/{id}"
    assert route_key("POST", "/channels/1/messages") == "POST /channels/1/messages"


def test_an_exhausted_bucket_is_respected_before_the_next_call() -> None:
    """`X-RateLimit-Remaining: 0` means: wait `X-RateLimit-Reset-After` (essential) or skip (progress)."""
    sent: list[str] = []
    slept: list[float] = []

    def discord(request: httpx.Request) -> httpx.Response:
        sent.append(request.method)
        headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "2.5"}
        return httpx.Response(200, json={"id": "9", "content": "x"}, headers=headers)

    client = RestClient(
        "https://discord.test/api/v10",
        TOKEN,
        transport=httpx.MockTransport(discord),
        sleep=slept.append,
        clock=lambda: 100.0,
    )
    client.edit_message("1", "9", "first")
    with pytest.raises(RateLimited) as caught:
        client.edit_message("1", "9", "progress", best_effort=True)
    assert caught.value.retry_after == pytest.approx(2.5)
    assert sent == ["PATCH"] and slept == []
    client.edit_message("1", "9", "the answer")
    assert slept == [pytest.approx(2.5)] and sent == ["PATCH", "PATCH"]
    client.create_message("1", "another route, another bucket")
    assert slept == [pytest.approx(2.5)]


def test_a_create_that_fails_after_discord_made_the_message_is_not_posted_twice(
    rest: RestClient, discord_fake: FakeServer
) -> None:
    """Discord sometimes answers 500 (or drops the connection) after creating the message: the retry
    carries the same `nonce` with `enforce_nonce`, so Discord hands back the first message."""
    fake = discord_fake.fake
    fake.fail_after_create(1)
    posted = rest.create_message(str(CHANNEL_ID), "part 2 of the answer")
    assert [m["id"] for m in fake.bot_messages(CHANNEL_ID)] == [posted["id"]]
    first, retry = (c for c in fake.calls if c.method == "POST")
    assert isinstance(first.json, dict) and isinstance(retry.json, dict)
    assert first.json["nonce"] == retry.json["nonce"] and first.json["enforce_nonce"] is True
    assert rest.create_message(str(CHANNEL_ID), "part 3")["id"] != posted["id"], "a new nonce per message"


def test_a_429_without_rate_limit_headers_still_waits() -> None:
    """A 429 with only a JSON `retry_after` (no headers): the essential retry waits, it does not hammer."""
    sent: list[float] = []
    slept: list[float] = []

    def discord(request: httpx.Request) -> httpx.Response:
        sent.append(len(slept))
        if len(sent) == 1:
            return httpx.Response(429, json={"message": "You are being rate limited.", "retry_after": 1.5})
        return httpx.Response(200, json={"id": "9", "content": "x"})

    client = RestClient(
        "https://discord.test/api/v10",
        TOKEN,
        transport=httpx.MockTransport(discord),
        sleep=slept.append,
        clock=lambda: 100.0,
    )
    client.edit_message("1", "9", "the answer")
    assert slept == [pytest.approx(1.5)] and len(sent) == 2
