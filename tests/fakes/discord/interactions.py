"""REST routes for interactions: the callback (within 3 seconds, once; a message, a deferral, an update
of the clicked message, or a modal), the original response and follow-ups through the interaction's
webhook (while its token lives, 15 minutes)."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from tests.fakes.discord.checks import form_error, invalid_message
from tests.fakes.discord.messages import Messages
from tests.fakes.discord.model import BOT, CALLBACK_DEADLINE, Call, json_response, now

MODAL_TITLE_LIMIT = 45
MODAL_LABEL_LIMIT = 45
"""Characters of a modal's title and of a text input's label (Discord refuses longer ones)."""


class Interactions(Messages):
    """Interaction callbacks and webhook messages; ephemeral ones are only their recipient's."""

    async def post_callback(self, call: Call, interaction: str, token: str) -> dict[str, Any] | web.Response:
        found = self.interactions.get(int(interaction))
        if found is None or found["token"] != token:
            return json_response({"message": "Unknown interaction", "code": 10062}, 404)
        if int(interaction) in self.answered_interactions:
            return json_response(
                {"message": "Interaction has already been acknowledged.", "code": 40060}, 400
            )
        if time.monotonic() - self.interaction_sent[int(interaction)] > CALLBACK_DEADLINE:
            return json_response({"message": "Unknown interaction", "code": 10062}, 404)
        body = call.json if isinstance(call.json, dict) else {}
        data = body.get("data") or {}
        if body.get("type") == 9:
            return self._show_modal(found, data, call)
        if body.get("type") in (4, 7):
            refused = invalid_message(data, call.files, creating=body.get("type") == 4)
            if refused is not None:
                return refused
        self.answered_interactions[int(interaction)] = time.monotonic()
        if body.get("type") in (6, 7):  # (deferred) update of the message a component is on
            return self._update_clicked(found, data, call)
        message = self._message(int(found["channel_id"]), BOT, data, call.files)
        self._resolve_mentions(message, data, None)
        message["interaction_metadata"] = {"id": interaction, "type": 2, "user": found["user"]}
        found["response_message_id"] = message["id"]
        if not message["flags"] & 64:  # an ephemeral response is only the asker's: not in the channel
            await self.dispatch("MESSAGE_CREATE", message)
        if call.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        return {
            "interaction": {
                "id": interaction,
                "type": 2,
                "response_message_id": message["id"],
                "response_message_loading": body.get("type") == 5,
                "response_message_ephemeral": bool((data.get("flags") or 0) & 64),
            },
            "resource": {"type": body.get("type", 4), "message": message},
        }

    def _show_modal(
        self, interaction: dict[str, Any], data: dict[str, Any], call: Call
    ) -> dict[str, Any] | web.Response:
        """Type 9: a form for the person who used the interaction (title 1-45 characters, 1-5 rows of text
        inputs labelled with 1-45); they send it later (`Controls.submit_modal`)."""
        inputs = [
            c for row in data.get("components") or [] for c in row.get("components") or [row.get("component")]
        ]
        valid = (
            1 <= len(data.get("title") or "") <= MODAL_TITLE_LIMIT
            and 1 <= len(data.get("custom_id") or "") <= 100
            and 1 <= len(data.get("components") or []) <= 5
            and all(c and 1 <= len(c.get("label") or "x") <= MODAL_LABEL_LIMIT for c in inputs)
        )
        if not valid:
            return form_error("data", "MODAL_INVALID", "Invalid modal.")
        self.answered_interactions[int(interaction["id"])] = time.monotonic()
        self.modals.append(
            {**data, "user": interaction["user"]["id"], "channel_id": interaction["channel_id"]}
        )
        if call.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        return {
            "interaction": {"id": interaction["id"], "type": interaction["type"]},
            "resource": {"type": 9},
        }

    def _update_clicked(
        self, interaction: dict[str, Any], data: dict[str, Any], call: Call
    ) -> dict[str, Any] | web.Response:
        """Type 7 edits the message the clicked component is on; type 6 only acknowledges the click."""
        kind = (call.json or {}).get("type") if isinstance(call.json, dict) else None
        message = self.messages.get(int(interaction["message"]["id"]))
        if message is not None and kind == 7:
            message.update({k: data[k] for k in ("content", "embeds", "components") if k in data})
            message["edited_timestamp"] = now()
        interaction["response_message_id"] = interaction["message"]["id"]
        if call.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        answer: dict[str, Any] = {
            "interaction": {
                "id": interaction["id"],
                "type": interaction["type"],
                "response_message_id": interaction["message"]["id"],
                "response_message_loading": False,
                "response_message_ephemeral": False,
            }
        }
        if kind == 7 and message is not None:
            answer["resource"] = {"type": 7, "message": message}
        return answer

    def _interaction_by_token(self, token: str) -> dict[str, Any] | None:
        return next((i for i in self.interactions.values() if i["token"] == token), None)

    def _token_expired(self, interaction: dict[str, Any]) -> web.Response | None:
        if time.monotonic() - self.interaction_sent[int(interaction["id"])] > self.token_lifetime:
            return json_response({"message": "Invalid Webhook Token", "code": 50027}, 401)
        return None

    async def get_original(self, call: Call, app: str, token: str) -> dict[str, Any] | web.Response:
        found = self._interaction_by_token(token)
        if found is None or "response_message_id" not in found:
            return json_response({"message": "Unknown Message", "code": 10008}, 404)
        return self._token_expired(found) or self.messages[int(found["response_message_id"])]

    async def patch_original(self, call: Call, app: str, token: str) -> dict[str, Any] | web.Response:
        found = self._interaction_by_token(token)
        if found is None or "response_message_id" not in found:
            return json_response({"message": "Unknown Message", "code": 10008}, 404)
        body = call.json if isinstance(call.json, dict) else {}
        refused = self._token_expired(found) or invalid_message(body, call.files, creating=False)
        if refused is not None:
            return refused
        message = self.messages[int(found["response_message_id"])]
        message.update({k: body[k] for k in ("content", "embeds", "components") if k in body})
        if "content" in body:
            self._resolve_mentions(message, body, None)
        return message

    async def post_followup(self, call: Call, app: str, token: str) -> dict[str, Any] | web.Response:
        found = self._interaction_by_token(token)
        if found is None:
            return json_response({"message": "Unknown Webhook", "code": 10015}, 404)
        body = call.json if isinstance(call.json, dict) else {}
        refused = self._token_expired(found) or invalid_message(body, call.files, creating=True)
        if refused is not None:
            return refused
        message = self._message(int(found["channel_id"]), BOT, body, call.files)
        self._resolve_mentions(message, body, None)
        self.followups.append(message)
        if (body.get("flags") or 0) & 64:  # ephemeral: only the clicker sees it, it is not in the channel
            del self.messages[int(message["id"])]
            self.private.append((found["user"]["id"], message))
        return message
