"""Study cards on Slack: a `mathbot.study.cards.Card` as Block Kit messages, the forms (modals) the
buttons open, and how a worker delivers a card (`deliver`, behind `SlackReply.card`).

A private card is an ephemeral message (`chat.postEphemeral`: only its user sees it, in the channel or
thread); a study-mode answer replaces its placeholder; a practice problem is a root message whose thread
is its discussion. Buttons carry the card's ref as their value; action ids are `mathbot_study_<kind>`.
"""

from __future__ import annotations

import json
import logging
import re
from typing import TYPE_CHECKING, Any

from bots.slack import blocks
from mathbot import render
from mathbot.present import clip
from mathbot.study import cards, clicks, texts

if TYPE_CHECKING:
    from bots.slack.reply import SlackReply

log = logging.getLogger(__name__)

ACTION_PREFIX = "mathbot_study_"
ACTION_PATTERN = re.compile(ACTION_PREFIX + "(" + "|".join(cards.ACTIONS) + ")")
"""Every study button's action id (Bolt routes them to one listener)."""

CHECK_VIEW = "mathbot_check"
"""The callback id of /check's form (problem and answer)."""
ANSWER_VIEW = "mathbot_answer"
"""The callback id of a button's form (an answer to a problem the button knows)."""

PROBLEM_BLOCK, PROBLEM_INPUT = "problem", "problem_input"
ANSWER_BLOCK, ANSWER_INPUT = "answer", "answer_input"

MAX_MESSAGES = 6
"""Messages one card may take (a long solution); the rest is cut with a note."""

VIEW_TEXT_LIMIT = 2900
"""Characters of the problem shown in a form (a section block allows 3,000)."""

PROBLEM_INPUT_LIMIT = 3000
"""Characters of a problem typed into /check's form (Slack's plain_text_input allows 3,000)."""


def action_kind(action_id: str) -> str:
    return action_id.removeprefix(ACTION_PREFIX)


def messages(card: cards.Card) -> list[blocks.Message]:
    """The card as Slack messages: headline, notes and the body's first part, then the rest of a long
    body; the buttons under the last one. Every word of a person or the model is escaped."""
    title = f"*{blocks.safe(card.title)}*"
    notes = [blocks.safe(note) for note in card.notes if note]
    body = render.to_text(card.body, "slack").strip() if card.body.strip() else ""
    chunks = [c for c in render.split_message(body, blocks.SECTION_LIMIT) if c.strip()] if body else []
    cut = sum(len(c) for c in chunks[MAX_MESSAGES:])
    chunks = chunks[:MAX_MESSAGES]
    first: list[dict[str, Any]] = [blocks.section(title)]
    if chunks:
        first.append(blocks.section(chunks[0]))
    if notes:
        first.append(blocks.context(*notes))
    fallback = clip("\n".join([title, *notes] + ([chunks[0]] if chunks else [])), blocks.MESSAGE_TEXT_LIMIT)
    out = [blocks.Message(fallback, first)]
    out += [blocks.Message(clip(c, blocks.MESSAGE_TEXT_LIMIT), [blocks.section(c)]) for c in chunks[1:]]
    last = out[-1].blocks
    if cut:
        last.append(blocks.context(f"_{texts.too_long(cut)}_"))
    if card.actions:
        last.append(blocks.actions(*(_button(kind, card.ref) for kind in card.actions)))
    return out


def _button(kind: str, ref: str) -> dict[str, Any]:
    style = "primary" if kind in ("submit", "check") else None
    return blocks.button(texts.ACTION_LABELS[kind], ACTION_PREFIX + kind, ref, style=style)


def check_view(channel: str, thread: str | None, problem: str) -> dict[str, Any]:
    """/check's form: the problem (prefilled with what followed the command) and the answer."""
    problem_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": PROBLEM_INPUT,
        "multiline": True,
        "max_length": PROBLEM_INPUT_LIMIT,
    }
    if problem:
        problem_input["initial_value"] = problem[:PROBLEM_INPUT_LIMIT]
    return {
        "type": "modal",
        "callback_id": CHECK_VIEW,
        "private_metadata": json.dumps({"c": channel, "t": thread}),
        "title": {"type": "plain_text", "text": texts.CHECK_TITLE},
        "submit": {"type": "plain_text", "text": "Check"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": PROBLEM_BLOCK,
                "label": {"type": "plain_text", "text": texts.CHECK_PROBLEM_LABEL},
                "element": problem_input,
            },
            _answer_input(),
            blocks.context(texts.CHECK_PRIVATE),
        ],
    }


def answer_view(form: clicks.Form, channel: str, thread: str | None) -> dict[str, Any]:
    """A button's form: the problem it is about (shown), and the answer."""
    shown = clip(render.to_text(form.problem, "slack").strip(), VIEW_TEXT_LIMIT)
    return {
        "type": "modal",
        "callback_id": ANSWER_VIEW,
        "private_metadata": json.dumps({"c": channel, "t": thread, "r": form.ref, "k": form.kind}),
        "title": {"type": "plain_text", "text": form.title},
        "submit": {"type": "plain_text", "text": "Submit" if form.kind == "submit" else "Check"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [blocks.section(shown), _answer_input(), blocks.context(texts.CHECK_PRIVATE)],
    }


def _answer_input() -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": ANSWER_BLOCK,
        "label": {"type": "plain_text", "text": texts.SUBMIT_LABEL},
        "element": {
            "type": "plain_text_input",
            "action_id": ANSWER_INPUT,
            "max_length": 1000,
            "placeholder": {"type": "plain_text", "text": texts.SUBMIT_PLACEHOLDER},
        },
    }


def submitted(view: dict[str, Any]) -> tuple[dict[str, Any], str, str]:
    """(metadata, problem, answer) of a submitted form (`problem` is empty on a button's form)."""
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        metadata = {}
    values = (view.get("state") or {}).get("values") or {}
    problem = ((values.get(PROBLEM_BLOCK) or {}).get(PROBLEM_INPUT) or {}).get("value") or ""
    answer = ((values.get(ANSWER_BLOCK) or {}).get(ANSWER_INPUT) or {}).get("value") or ""
    return metadata if isinstance(metadata, dict) else {}, problem, answer


def deliver(reply: SlackReply, card: cards.Card) -> str | None:
    """A worker's card: private (ephemeral to the target's user), in place of the placeholder, a new
    root message (with `thread_name`: its ts is the thread), or a new message in the thread."""
    target = reply.target
    parts = messages(card)
    if card.private:
        if not target.user:
            log.warning("%s private card without a user: not shown", reply.ids)
            return None
        for part in parts:
            reply.client.chat_postEphemeral(
                channel=target.channel,
                user=target.user,
                thread_ts=target.thread,
                text=part.text,
                blocks=part.blocks,
            )
        log.info("%s private card delivered to user=%s", reply.ids, target.user)
        return None
    if target.placeholder and not card.thread_name:
        if not reply._final_edit(target.placeholder, parts[0]):
            return None
        for index, part in enumerate(parts[1:], start=1):
            reply._post_part(target.placeholder, index, part)
        return target.placeholder
    thread = None if card.thread_name else target.thread
    first = reply.client.chat_postMessage(
        channel=target.channel, thread_ts=thread, text=parts[0].text, blocks=parts[0].blocks
    )
    ts = str(first["ts"])
    for part in parts[1:]:
        reply.client.chat_postMessage(
            channel=target.channel, thread_ts=thread or ts, text=part.text, blocks=part.blocks
        )
    return ts
