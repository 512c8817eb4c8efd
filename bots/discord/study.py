"""Study cards on Discord: a `mathbot.study.cards.Card` as messages (content under 2,000 characters,
study buttons, files), the form a button opens (a modal), and how a worker delivers a card (`deliver`,
behind `DiscordReply.card`).

Buttons are the one templated button class (`bots.discord.buttons.Button`) with the card's ref in their
custom id (`mathbot:<kind>:<ref>`), so a click works on any message, after a restart too. Forms are
modals whose custom id names the form (`mathbot:form:<kind>:<ref>`); their submissions are read from the
raw interaction, so they need no state in the adapter either.

Private cards go to their person only: an ephemeral interaction response where there is one (a worker
edits the ephemeral "Checking…" response with the verdict while the interaction's token lives, 15
minutes; `remember_interaction`), else a direct message.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
import redis

from bots.discord import layout, texts
from bots.discord.rest import DiscordError, Upload
from mathbot import keys, render
from mathbot.present import clip
from mathbot.study import cards, clicks
from mathbot.study import texts as study_texts

if TYPE_CHECKING:
    from bots.discord.reply import DiscordReply

log = logging.getLogger(__name__)

FORM_PREFIX = "mathbot:form:"
_FORM = re.compile(r"mathbot:form:(submit|check):([0-9a-f]{1,64})")

INTERACTION_TTL = 14 * 60
"""Seconds a worker may edit an interaction's ephemeral response (Discord's token lasts 15 minutes)."""

MAX_PARTS = 5
"""Messages one card may take (a long solution); the rest is cut with a note."""

ANSWER_INPUT = "answer"


@dataclass(frozen=True)
class Part:
    content: str
    components: tuple[dict[str, Any], ...] = ()
    files: tuple[Upload, ...] = ()


def button(kind: str, ref: str) -> dict[str, Any]:
    """A study button as a component: the templated button with the ref in its custom id."""
    spec = layout.BUTTONS[kind]
    component = spec.component(study_texts.ACTION_LABELS[kind])
    return {**component, "custom_id": f"{spec.custom_id}:{ref}"}


def parts(card: cards.Card) -> list[Part]:
    """The card as Discord messages: the headline (bold), the body (Discord markdown), the notes (small),
    under the content limit; the buttons and files on the last one."""
    head = f"**{texts.escape(card.title)}**"
    body = render.to_text(card.body, "discord").strip() if card.body.strip() else ""
    notes = "\n".join(f"-# {texts.escape(note)}" for note in card.notes if note)
    text = "\n\n".join(x for x in (head, body, notes) if x)
    chunks = [c for c in render.split_message(text, texts.CONTENT_LIMIT) if c.strip()] or [head]
    if len(chunks) > MAX_PARTS:
        cut = sum(len(c) for c in chunks[MAX_PARTS:])
        chunks = chunks[:MAX_PARTS]
        chunks[-1] = clip(chunks[-1], texts.CONTENT_LIMIT - 120) + "\n-# " + study_texts.too_long(cut)
    out = [Part(clip(c, texts.CONTENT_LIMIT)) for c in chunks]
    rows = (
        [{"type": 1, "components": [button(kind, card.ref) for kind in card.actions]}] if card.actions else []
    )
    files = tuple(
        Upload(f.name, f.data, "text/markdown; charset=utf-8", "the model's full reasoning")
        for f in card.files
    )
    out[-1] = Part(out[-1].content, tuple(rows), files)
    return out


def view(part: Part) -> discord.ui.View | None:
    """The buttons of a part as a discord.py view (only the templated buttons: no per-message state)."""
    from bots.discord.buttons import Button

    if not part.components:
        return None
    buttons = discord.ui.View(timeout=None)
    for row in part.components:
        for component in row["components"]:
            kind, _, ref = component["custom_id"].removeprefix("mathbot:").partition(":")
            buttons.add_item(Button(kind, ref))
    return buttons


def discord_files(part: Part) -> list[discord.File]:
    import io

    return [
        discord.File(io.BytesIO(f.data), filename=f.filename, description=f.description) for f in part.files
    ]


class AnswerModal(discord.ui.Modal):
    """The form a button opens: one field for the answer. Its submission is read from the interaction
    (`form_of`), not by this object: the form outlives an adapter restart."""

    def __init__(self, form: clicks.Form) -> None:
        super().__init__(
            title=form.title[:45], custom_id=f"{FORM_PREFIX}{form.kind}:{form.ref}", timeout=None
        )
        self.add_item(
            discord.ui.TextInput(
                label=study_texts.SUBMIT_LABEL,
                custom_id=ANSWER_INPUT,
                placeholder=study_texts.SUBMIT_PLACEHOLDER,
                max_length=1000,
            )
        )


def form_of(interaction: discord.Interaction) -> tuple[clicks.Form, str] | None:
    """A submitted form's kind and ref, and the answer typed into it; None for any other interaction."""
    data: Any = interaction.data or {}
    match = _FORM.fullmatch(str(data.get("custom_id") or ""))
    if interaction.type is not discord.InteractionType.modal_submit or match is None:
        return None
    return clicks.Form(match[1], match[2], "", ""), _value(data.get("components") or [], ANSWER_INPUT)


def _value(components: list[Any], custom_id: str) -> str:
    for component in components:
        inner = component.get("components") or (
            [component["component"]] if component.get("component") else []
        )
        if component.get("custom_id") == custom_id:
            return str(component.get("value") or "")
        found = _value(inner, custom_id)
        if found:
            return found
    return ""


def _private_key(ref: str) -> str:
    return f"{keys.STUDY}private:discord:{ref}"


def remember_interaction(connection: redis.Redis, ref: str, application_id: str, token: str) -> None:
    """Leave the interaction for the worker that will answer `ref` privately (its token lives 15 min)."""
    connection.set(_private_key(ref), json.dumps({"app": application_id, "token": token}), ex=INTERACTION_TTL)


def _interaction(connection: redis.Redis, ref: str) -> tuple[str, str] | None:
    raw = connection.get(_private_key(ref))
    if not raw:
        return None
    found = json.loads(raw)
    return str(found["app"]), str(found["token"])


def deliver(reply: DiscordReply, card: cards.Card) -> str | None:
    """A worker's card: private (the ephemeral response it was asked from, else a DM), in place of the
    placeholder, a new message that starts a thread (`thread_name`), or a new message in the thread."""
    shown = parts(card)
    target, rest = reply.target, reply.rest
    if card.private:
        response = _interaction(reply.connection, card.ref) if card.ref else None
        if response is not None:
            head, *more = shown
            try:
                rest.edit_original(*response, head.content, files=head.files, components=head.components)
                for part in more:
                    rest.create_followup(
                        *response, part.content, files=part.files, components=part.components
                    )
                log.info("discord private card for user=%s delivered in its response", target.user)
                return None
            except DiscordError as exc:
                if exc.status not in (401, 404):  # the token expired, the response was dismissed: a DM
                    raise
                log.info("discord user=%s response gone (%s): a direct message instead", target.user, exc)
        if not target.user:
            return None
        dm = rest.open_dm(target.user)  # the interaction's token is gone: a direct message is private too
        for part in shown:
            rest.create_message(dm, part.content, files=part.files, components=part.components)
        log.info("discord private card for user=%s delivered by DM", target.user)
        return None
    if target.placeholder and not card.thread_name:
        reply._deliver([layout.Part(p.content, p.files, p.components) for p in shown])
        return target.placeholder
    channel = target.channel if card.thread_name else (target.thread or target.channel)
    first = rest.create_message(
        channel, shown[0].content, files=shown[0].files, components=shown[0].components
    )
    posted = str(first["id"])
    where = channel
    if card.thread_name:
        try:
            where = str(rest.start_thread(channel, posted, layout.thread_name(card.thread_name))["id"])
        except Exception as exc:  # no thread (permissions, a forum): the channel is the thread
            log.warning("discord channel=%s no thread for message=%s: %s", channel, posted, exc)
            where = channel
    for part in shown[1:]:
        rest.create_message(where, part.content, files=part.files, components=part.components)
    return where if card.thread_name else posted
