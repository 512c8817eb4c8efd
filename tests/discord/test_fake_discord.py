"""The fake Discord refuses what real Discord refuses (where mathbot could get it wrong), so that the
flow tests passing against it means something. Plain HTTP against the fake, no mathbot code."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.discord.conftest import FakeServer
from tests.fakes.discord import BOB_ID, CHANNEL_ID, TOKEN, VIEW_CHANNEL


@pytest.fixture
def api(discord_fake: FakeServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=discord_fake.fake.api_url, headers={"Authorization": f"Bot {TOKEN}"}
    ) as client:
        yield client


def post(api: httpx.Client, body: dict[str, Any], channel: int | str = CHANNEL_ID) -> httpx.Response:
    return api.post(f"/channels/{channel}/messages", json=body)


def code(response: httpx.Response) -> tuple[int, int]:
    return response.status_code, response.json()["code"]


def test_message_bodies_are_checked(api: httpx.Client) -> None:
    assert post(api, {"content": "x" * 2000}).status_code == 200
    assert code(post(api, {"content": "x" * 2001})) == (400, 50035)
    assert code(post(api, {"content": ""})) == (400, 50006)
    assert code(post(api, {"embeds": [{"description": "x" * 4097}]})) == (400, 50035)
    too_big = [{"description": "x" * 4000}, {"description": "x" * 2001}]
    assert code(post(api, {"embeds": too_big})) == (400, 50035)
    assert code(post(api, {"content": "x", "embeds": [{"title": "t"}] * 11})) == (400, 50035)
    exclusive = {"content": "x", "allowed_mentions": {"parse": ["users"], "users": [str(BOB_ID)]}}
    assert code(post(api, exclusive)) == (400, 50035)
    assert code(post(api, {"content": "x", "allowed_mentions": {"parse": ["nobody"]}})) == (400, 50035)
    unknown_reply = {"content": "x", "message_reference": {"message_id": "42"}}
    assert code(post(api, unknown_reply)) == (400, 50035)


def test_mentions_ping_unless_allowed_mentions_forbid_it(api: httpx.Client, discord_fake: FakeServer) -> None:
    fake = discord_fake.fake
    loud = post(api, {"content": f"<@{BOB_ID}> @everyone"}).json()
    assert loud["mention_everyone"] and [u["id"] for u in loud["mentions"]] == [str(BOB_ID)]
    assert sorted(whom for _, whom in fake.pings) == sorted([str(BOB_ID), "everyone"])
    fake.pings.clear()
    quiet = post(api, {"content": f"<@{BOB_ID}> @everyone", "allowed_mentions": {"parse": []}}).json()
    api.patch(f"/channels/{CHANNEL_ID}/messages/{quiet['id']}", json={"content": f"<@{BOB_ID}>"})
    assert fake.pings[-1:] == [(quiet["id"], str(BOB_ID))], "an edit without allowed_mentions parses all"
    fake.pings.clear()
    reply = {"content": "re", "message_reference": {"message_id": loud["id"]}}
    post(api, reply)
    assert len(fake.pings) == 1, "a reply pings its author unless replied_user is false"


def test_threads_follow_discords_rules(api: httpx.Client, discord_fake: FakeServer) -> None:
    fake = discord_fake.fake
    first = post(api, {"content": "a question"}).json()
    path = f"/channels/{CHANNEL_ID}/messages/{first['id']}/threads"
    assert code(api.post(path, json={"name": "x" * 101})) == (400, 50035)
    assert code(api.post(path, json={"name": "   "})) == (400, 50035)
    thread = api.post(path, json={"name": "A question"}).json()
    assert code(api.post(path, json={"name": "again"})) == (400, 160004)
    inner = post(api, {"content": "in the thread"}, thread["id"]).json()
    from_thread = f"/channels/{thread['id']}/messages/{inner['id']}/threads"
    assert code(api.post(from_thread, json={"name": "nested"})) == (400, 50024)

    discord_fake.run(fake.archive(thread["id"]))
    edit = f"/channels/{thread['id']}/messages/{inner['id']}"
    assert code(api.patch(edit, json={"content": "edited"})) == (400, 50083)
    post(api, {"content": "a new message unarchives"}, thread["id"])
    assert api.patch(edit, json={"content": "edited"}).status_code == 200


def test_permissions_and_authorship_are_enforced(api: httpx.Client, discord_fake: FakeServer) -> None:
    fake = discord_fake.fake
    hidden = discord_fake.run(fake.add_channel("mods-only", deny=VIEW_CHANNEL))
    assert code(post(api, {"content": "x"}, hidden)) == (403, 50001)
    theirs = discord_fake.run(fake.send_message("alice's own words"))
    edit = f"/channels/{CHANNEL_ID}/messages/{theirs['id']}"
    assert code(api.patch(edit, json={"content": "not yours"})) == (403, 50005)
