"""Discord's checks of a message body (create or edit) where mathbot could break them, answered with
Discord's own error codes."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.fakes.discord.model import json_response


def form_error(field_name: str, code: str, text: str) -> web.Response:
    """Discord's 400 Invalid Form Body (50035) for one field."""
    body = {
        "message": "Invalid Form Body",
        "code": 50035,
        "errors": {field_name: {"_errors": [{"code": code, "message": text}]}},
    }
    return json_response(body, 400)


def invalid_message(
    body: dict[str, Any], files: list[tuple[str, bytes]], *, creating: bool
) -> web.Response | None:
    """Discord's checks of a message body (create or edit), where mathbot could break them; None if valid."""
    content = body.get("content")
    if content is not None and not isinstance(content, str):
        return form_error("content", "BASE_TYPE_STRING", "Must be a string.")
    if len(content or "") > 2000:
        return form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        return form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for embed in embeds:
        for key, limit in (("title", 256), ("description", 4096)):
            if len(embed.get(key) or "") > limit:
                return form_error(
                    f"embeds.{key}", "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."
                )
        total += len(embed.get("title") or "") + len(embed.get("description") or "")
        total += len((embed.get("footer") or {}).get("text") or "") + len(
            (embed.get("author") or {}).get("name") or ""
        )
        total += sum(len(f.get("name", "")) + len(f.get("value", "")) for f in embed.get("fields") or [])
    if total > 6000:
        return form_error("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
    if len(files) > 10:
        return form_error("files", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    if any(len(data) > 10 * 1024 * 1024 for _, data in files):
        return json_response({"message": "Request entity too large", "code": 40005}, 413)
    for attachment in body.get("attachments") or []:
        if len(attachment.get("description") or "") > 1024:
            return form_error(
                "attachments.description", "BASE_TYPE_MAX_LENGTH", "Must be 1024 or fewer in length."
            )
    refused = _invalid_allowed_mentions(body.get("allowed_mentions"))
    if refused is not None:
        return refused
    for row in body.get("components") or []:
        for item in row.get("components") or []:
            if not 1 <= len(item.get("custom_id") or "") <= 100 or len(item.get("label") or "") > 80:
                return form_error("components", "BASE_TYPE_BAD_LENGTH", "Invalid component.")
    if len(str(body.get("nonce") or "")) > 25:
        return form_error("nonce", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    if creating and not (content or embeds or files or body.get("components") or body.get("sticker_ids")):
        return json_response({"message": "Cannot send an empty message", "code": 50006}, 400)
    return None


def _invalid_allowed_mentions(allowed: Any) -> web.Response | None:
    if allowed is None:
        return None
    if not isinstance(allowed, dict) or set(allowed) - {"parse", "users", "roles", "replied_user"}:
        return form_error("allowed_mentions", "MODEL_TYPE_CONVERT", "Invalid allowed_mentions.")
    parse = allowed.get("parse", [])
    if not isinstance(parse, list) or set(parse) - {"users", "roles", "everyone"}:
        return form_error("allowed_mentions.parse", "BASE_TYPE_CHOICES", "Invalid parse type.")
    for kind in ("users", "roles"):
        ids = allowed.get(kind, [])
        if not isinstance(ids, list) or len(ids) > 100:
            return form_error(f"allowed_mentions.{kind}", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer.")
        if kind in parse and ids:
            return form_error(
                "allowed_mentions", "MUTUALLY_EXCLUSIVE", f"parse:[{kind}] and {kind} are exclusive."
            )
    return None
