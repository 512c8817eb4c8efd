"""REST routes for messages, threads and channels, refused where real Discord refuses them (permissions,
body limits, archived threads, someone else's message, unknown references)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.fakes.discord.checks import form_error, invalid_message
from tests.fakes.discord.gateway import Gateway
from tests.fakes.discord.model import (
    BOT,
    BOT_ID,
    GUILD_ID,
    THREAD_TYPES,
    Call,
    attachments,
    json_response,
    now,
    snowflake,
)
from tests.fakes.discord.permissions import (
    ATTACH_FILES,
    CREATE_PUBLIC_THREADS,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
    Permissions,
)


class Messages(Gateway, Permissions):
    """Channel messages, threads started from them, and channels; new messages are dispatched back."""

    async def post_message(self, call: Call, channel: str) -> dict[str, Any] | web.Response:
        body = call.json if isinstance(call.json, dict) else {}
        needed = VIEW_CHANNEL | (SEND_MESSAGES_IN_THREADS if self._is_thread(channel) else SEND_MESSAGES)
        if call.files:
            needed |= ATTACH_FILES
        if body.get("message_reference"):  # a reply needs to read what it replies to
            needed |= READ_MESSAGE_HISTORY
        refused = self._forbidden(int(channel), needed) or invalid_message(body, call.files, creating=True)
        if refused is not None:
            return refused
        ref = None
        if body.get("message_reference"):
            ref = self.messages.get(int(body["message_reference"].get("message_id") or 0))
            if ref is None or ref["channel_id"] != channel:
                return form_error("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
        nonce = str(body["nonce"]) if body.get("nonce") is not None else None
        if nonce is not None and body.get("enforce_nonce") and (channel, nonce) in self.nonces:
            return self.nonces[(channel, nonce)]  # Discord returns the message already created
        await self._unarchive_for_message(channel)
        message = self._message(int(channel), BOT, body, call.files)
        if ref is not None:
            message["message_reference"] = {
                k: str(v) if k.endswith("_id") else v for k, v in body["message_reference"].items()
            }
            message["referenced_message"] = ref
            message["type"] = 19
        self._resolve_mentions(message, body, ref)
        if nonce is not None:
            message["nonce"] = nonce
            self.nonces[(channel, nonce)] = message
        await self.dispatch("MESSAGE_CREATE", message)
        if self.failures_after_create > 0:
            self.failures_after_create -= 1
            return json_response({"message": "500: Internal Server Error", "code": 0}, 500)
        return message

    async def post_dm(self, call: Call) -> dict[str, Any]:
        """`POST /users/@me/channels`: the bot's DM channel with a user (the same one every time)."""
        recipient = str(call.json.get("recipient_id")) if isinstance(call.json, dict) else ""
        channel = next((c for c, u in self.dm_channels.items() if u == recipient), None) or str(snowflake())
        self.dm_channels[channel] = recipient
        return {"id": channel, "type": 1, "recipients": [{"id": recipient}], "last_message_id": None}

    async def patch_message(self, call: Call, channel: str, message: str) -> dict[str, Any] | web.Response:
        refused = self._forbidden(int(channel), VIEW_CHANNEL | (ATTACH_FILES if call.files else 0))
        if refused is not None:
            return refused
        found = self.messages.get(int(message))
        if found is None or found["channel_id"] != channel:
            return json_response({"message": "Unknown Message", "code": 10008}, 404)
        if self._archived(channel):
            return json_response({"message": "Thread is archived", "code": 50083}, 400)
        body = call.json if isinstance(call.json, dict) else {}
        if found["author"]["id"] != str(BOT_ID) and set(body) - {"flags"}:
            return json_response(
                {"message": "Cannot edit a message authored by another user", "code": 50005}, 403
            )
        refused = invalid_message(body, call.files, creating=False)
        if refused is not None:
            return refused
        for key in ("content", "embeds", "components"):
            if key in body:
                found[key] = body[key]
        if "attachments" in body or call.files:
            found["attachments"] = attachments(call.files)
        if "content" in body:
            self._resolve_mentions(found, body, None)
        if not (found["content"] or found["embeds"] or found["attachments"] or found["components"]):
            return json_response({"message": "Cannot send an empty message", "code": 50006}, 400)
        found["edited_timestamp"] = now()
        return found

    async def delete_message(self, call: Call, channel: str, message: str) -> web.Response:
        found = self.messages.get(int(message))
        if found is None or found["channel_id"] != channel:
            return json_response({"message": "Unknown Message", "code": 10008}, 404)
        if self._archived(channel):
            return json_response({"message": "Thread is archived", "code": 50083}, 400)
        del self.messages[int(message)]
        return web.Response(status=204)

    async def get_message(self, call: Call, channel: str, message: str) -> dict[str, Any] | web.Response:
        refused = self._forbidden(int(channel), VIEW_CHANNEL | READ_MESSAGE_HISTORY)
        if refused is not None:
            return refused
        found = self.messages.get(int(message))
        if found is None or found["channel_id"] != channel:
            return json_response({"message": "Unknown Message", "code": 10008}, 404)
        return found

    async def post_thread(self, call: Call, channel: str, message: str) -> dict[str, Any] | web.Response:
        body = call.json if isinstance(call.json, dict) else {}
        name = (body.get("name") or "").strip()
        if not 1 <= len(name) <= 100:
            return form_error("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        parent = self.channels.get(int(channel))
        if parent is None or parent["type"] not in (0, 5):  # a DM, a thread, a voice or forum channel
            return json_response(
                {"message": "Cannot execute action on this channel type", "code": 50024}, 400
            )
        refused = self._forbidden(int(channel), VIEW_CHANNEL | CREATE_PUBLIC_THREADS)
        if refused is not None:
            return refused
        found = self.messages.get(int(message))
        if found is None or found["channel_id"] != channel:
            return json_response({"message": "Unknown Message", "code": 10008}, 404)
        if found.get("thread"):
            return json_response(
                {"message": "A thread has already been created for this message", "code": 160004}, 400
            )
        thread = {  # a thread started from a message has the message's id
            "id": message,
            "type": 10 if parent["type"] == 5 else 11,
            "guild_id": str(GUILD_ID),
            "parent_id": channel,
            "owner_id": str(BOT_ID),
            "name": name,
            "last_message_id": None,
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "flags": 0,
            "total_message_sent": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 1440),
                "archive_timestamp": now(),
                "locked": False,
            },
        }
        self.channels[int(message)] = thread
        self.messages[int(message)]["thread"] = thread
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return thread

    async def get_channel(self, call: Call, channel: str) -> dict[str, Any] | web.Response:
        found = self.channels.get(int(channel))
        if found is None:
            return json_response({"message": "Unknown Channel", "code": 10003}, 404)
        return self._forbidden(int(channel), VIEW_CHANNEL) or found

    async def patch_channel(self, call: Call, channel: str) -> dict[str, Any] | web.Response:
        """Only what mathbot may do: unarchive a thread (`{"archived": false}`), which needs no more
        than sending there, unless the thread is locked (then it needs Manage Threads)."""
        found = self.channels.get(int(channel))
        if found is None:
            return json_response({"message": "Unknown Channel", "code": 10003}, 404)
        body = call.json if isinstance(call.json, dict) else {}
        if found["type"] not in THREAD_TYPES or set(body) != {"archived"} or body["archived"] is not False:
            return json_response({"message": "Missing Permissions", "code": 50013}, 403)
        refused = self._forbidden(int(channel), VIEW_CHANNEL | SEND_MESSAGES_IN_THREADS)
        if refused is not None or found["thread_metadata"]["locked"]:
            return refused or json_response({"message": "Missing Permissions", "code": 50013}, 403)
        await self._set_archived(channel, archived=False)
        return found

    async def _set_archived(self, thread: int | str, archived: bool) -> None:
        """The thread's archived flag changes and THREAD_UPDATE is dispatched."""
        found = self.channels[int(thread)]
        found["thread_metadata"] = {
            **found["thread_metadata"],
            "archived": archived,
            "archive_timestamp": now(),
        }
        await self.dispatch("THREAD_UPDATE", found)

    async def _unarchive_for_message(self, channel: str | int) -> None:
        """A new message in an archived (unlocked) thread unarchives it, as Discord does."""
        if self._archived(channel):
            await self._set_archived(channel, archived=False)
