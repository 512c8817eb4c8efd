"""A study evening as people see it: the fakes' recorded calls turned into lines, public or private
("[#maths]", "[only Ada]"), with what the people did interleaved ("> Ada: /check"). For the closing note
of issue 11 and for reading a flow's tests; progress edits are counted, not printed."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import USERS, FakeSlack

WIDTH = 230


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"


def slack_words(args: dict[str, Any]) -> str:
    """A Slack message's visible words: its blocks' texts (or its `text`), buttons as [Label]."""
    parts = []
    for block in args.get("blocks") or []:
        if block["type"] in ("section", "header"):
            parts.append(block["text"]["text"])
        elif block["type"] == "context":
            parts += [e.get("text", "") for e in block["elements"]]
        elif block["type"] == "actions":
            parts.append(" ".join(f"[{e['text']['text']}]" for e in block["elements"]))
    return _cut(" | ".join(parts) if parts else str(args.get("text") or ""))


class Evening:
    """What people did, at which point of the fake's call log."""

    def __init__(self) -> None:
        self.acts: list[tuple[int, str]] = []

    def did(self, calls: int, who: str, what: str) -> None:
        self.acts.append((calls, f"> {who}: {what}"))

    def slack(self, fake: FakeSlack, channel: str = "#maths") -> list[str]:
        lines: list[tuple[int, str]] = list(self.acts)
        progress = 0
        threaded = {
            c.response.get("ts") for c in fake.calls_to("chat.postMessage") if c.args.get("thread_ts")
        }
        for n, call in enumerate(fake.calls):
            a, ok = call.args, call.response.get("ok")
            in_thread = a.get("thread_ts") or (call.method == "chat.update" and a.get("ts") in threaded)
            where = f"[{channel}{' thread' if in_thread else ''}]"
            if call.method == "chat.postMessage" and ok:
                lines.append((n, f"{where} mathbot: {slack_words(a)}"))
            elif call.method == "chat.update" and ok:
                final = (a.get("blocks") or [{}])[-1].get("type") == "actions" and "Cancel" not in json.dumps(
                    a
                )
                if final or "hidden" in json.dumps(a):
                    lines.append((n, f"{where} (edited) mathbot: {slack_words(a)}"))
                else:
                    progress += 1
            elif call.method == "chat.postEphemeral" and ok:
                lines.append((n, f"[only {USERS.get(a['user'], a['user'])}] mathbot: {slack_words(a)}"))
            elif call.method == "views.open" and ok:
                view = a["view"] if isinstance(a["view"], dict) else json.loads(a["view"])
                lines.append((n, f"[form] {view['title']['text']}"))
            elif call.method == "response_url":
                shown = "[" + channel + "]" if a.get("response_type") == "in_channel" else "[only the asker]"
                lines.append((n, f"{shown} mathbot: {_cut(slack_words(a))}"))
            elif call.method == "files.completeUploadExternal" and ok:
                lines.append((n, f"[{a.get('channel_id')}: a DM] mathbot: a file ({a.get('files')})"))
        lines.sort(key=lambda pair: pair[0])
        return [line for _, line in lines] + [f"({progress} progress edits of placeholders, not shown)"]

    def discord(self, fake: FakeDiscord, names: dict[str, str]) -> list[str]:
        lines: list[tuple[int, str]] = list(self.acts)
        progress = 0
        by_token = {i["token"]: i for i in fake.interactions.values()}
        for n, call in enumerate(fake.calls):
            body = call.json if isinstance(call.json, dict) else {}
            token = re.search(r"itoken-\d+", call.path)
            interaction = by_token.get(token.group(0)) if token else None
            person = names.get((interaction or {}).get("user", {}).get("id", ""), "?")
            if call.path.endswith("/callback"):
                kind, data = body.get("type"), body.get("data") or {}
                private = (data.get("flags") or 0) & 64
                if kind == 9:
                    lines.append((n, f"[form for {person}] {data.get('title')}"))
                elif kind == 5:
                    lines.append((n, f"[only {person}] mathbot is thinking…"))
                elif kind == 4:
                    where = f"[only {person}]" if private else "[#general]"
                    lines.append((n, f"{where} mathbot: {_words(data)}"))
            elif call.method == "PATCH" and "/@original" in call.path:
                lines.append((n, f"[only {person}] (response edited) mathbot: {_words(body)}"))
            elif call.method == "POST" and call.path.startswith("/webhooks/"):
                lines.append((n, f"[only {person}] mathbot: {_words(body)}"))
            elif call.method == "POST" and re.fullmatch(r"/channels/\d+/messages", call.path):
                channel = call.path.split("/")[2]
                where = "#general" if channel == str(min(fake.channels)) else "thread"
                lines.append((n, f"[{where}] mathbot: {_words(body)}"))
            elif call.method == "PATCH" and re.fullmatch(r"/channels/\d+/messages/\d+", call.path):
                if any(w in body.get("content", "") for w in ("hidden", "Final answer")):
                    lines.append((n, f"[thread] (edited) mathbot: {_words(body)}"))
                else:
                    progress += 1
        lines.sort(key=lambda pair: pair[0])
        return [line for _, line in lines] + [f"({progress} progress edits, not shown)"]


def _words(body: dict[str, Any]) -> str:
    buttons = [
        c.get("label", "") for row in body.get("components") or [] for c in row.get("components") or []
    ]
    text = str(body.get("content") or "")
    return _cut(text + (" " + " ".join(f"[{b}]" for b in buttons) if buttons else ""))
