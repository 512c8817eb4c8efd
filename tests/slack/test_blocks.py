"""Slack formatting (pure): answers marked and split under Slack's limits, progress, errors, no pings."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bots.slack import blocks, texts
from mathbot import messages
from mathbot.errors import QuestionTooLong, QueueError, ServerUnavailable
from mathbot.outcome import Answer, Progress

PING = re.compile(r"<[@!#]")


def answer(**fields: Any) -> Answer:
    base: dict[str, Any] = {
        "question": "Find the remainder when N is divided by 1000.",
        "reasoning": "Let me think.",
        "solution": "So the answer is $\\boxed{70}$.",
        "final": "70",
        "truncated": False,
        "finish_reason": "stop",
        "prompt_tokens": 100,
        "completion_tokens": 9876,
        "thinking_seconds": 95.0,
        "elapsed": 101.0,
    }
    base.update(fields)
    return Answer(**base)


def long_solution(paragraphs: int = 40) -> str:
    para = (
        "Consider the sum $\\sum_{k=1}^{n} k^2 = \\frac{n(n+1)(2n+1)}{6}$ and note that "
        "each term satisfies $a_k \\le a_{k+1}$; hence the bound follows. "
    ) * 3
    return "\n\n".join(
        f"Step {i}. {para}\n\n\\[x_{{{i}}} = \\frac{{{i}}}{{{i + 1}}}\\]" for i in range(paragraphs)
    )


def assert_within_slack_limits(message: blocks.Message) -> None:
    assert 0 < len(message.text) <= blocks.MESSAGE_TEXT_LIMIT
    assert len(message.blocks) <= blocks.MAX_BLOCKS
    for block in message.blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text" and len(block["text"]["text"]) <= 150
        if block["type"] == "context":
            assert all(len(e["text"]) <= 2000 for e in block["elements"])
    assert sum(len(json.dumps(b)) for b in message.blocks) < 12_000


def test_final_answer_is_the_first_thing_in_the_answer() -> None:
    parts = blocks.answer_messages(answer(), "C1|1.2")
    assert len(parts) == 1
    first = parts[0].blocks
    assert first[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Final answer: 70", "emoji": False},
    }
    assert parts[0].text.startswith("Final answer: 70")
    assert "9,876 tokens" in first[1]["elements"][-1]["text"]
    assert first[-1]["type"] == "actions"
    assert [e["action_id"] for e in first[-1]["elements"]] == [blocks.REASONING_ACTION]
    assert first[-1]["elements"][0]["value"] == "C1|1.2"


def test_aime_misfit_note_and_dropped_turns_are_shown() -> None:
    parts = blocks.answer_messages(answer(final="\\frac{1}{2}", dropped_turns=2), "C1|1.2")
    notes = [e["text"] for e in parts[0].blocks[1]["elements"]]
    assert any("AIME answers are integers" in n for n in notes)
    assert messages.dropped_turns(2) in notes


def test_long_answer_is_split_into_messages_within_slack_limits() -> None:
    solution = long_solution()
    parts = blocks.answer_messages(answer(solution=solution), "C1|1.2")
    assert 3 <= len(parts) <= blocks.MAX_MESSAGES
    for part in parts:
        assert_within_slack_limits(part)
    sections = [b["text"]["text"] for p in parts for b in p.blocks if b["type"] == "section"]
    joined = "\n\n".join(sections)
    assert joined.count("Step ") == 40  # nothing lost, nothing repeated
    for text in sections:  # never cut inside a formula: every code span closed
        assert text.count("`") % 2 == 0
    assert parts[-1].blocks[-1]["type"] == "actions"
    assert parts[0].blocks[0]["type"] == "header"


def test_very_long_answer_is_cut_with_a_note() -> None:
    parts = blocks.answer_messages(answer(solution=long_solution(400)), "C1|1.2")
    assert len(parts) == blocks.MAX_MESSAGES
    assert any("too long to post whole" in json.dumps(b) for b in parts[-1].blocks)
    for part in parts:
        assert_within_slack_limits(part)


def test_truncated_answer_says_so_and_offers_a_retry() -> None:
    parts = blocks.answer_messages(
        answer(final=None, truncated=True, finish_reason="length", solution=""), "C1|1.2"
    )
    assert len(parts) == 1
    assert parts[0].blocks[0]["text"]["text"].startswith("No final answer")
    assert messages.TRUNCATED in json.dumps(parts[0].blocks, ensure_ascii=False)
    buttons = parts[0].blocks[-1]["elements"]
    assert [b["action_id"] for b in buttons] == [blocks.REASONING_ACTION, blocks.RETRY_ACTION]


def test_long_final_answer_headline_falls_back_to_a_section() -> None:
    parts = blocks.answer_messages(answer(final="x" * 400), "C1|1.2")
    assert parts[0].blocks[0]["type"] == "section"
    assert_within_slack_limits(parts[0])


def test_model_output_never_pings() -> None:
    evil = "Ask <@U123> or <!channel> or <!here|here> @channel @everyone <#C1> &"
    parts = blocks.answer_messages(answer(solution=evil, final="<!channel>", reasoning=evil), "C1|1.2")
    dumped = json.dumps([p.__dict__ for p in parts])
    assert not PING.search(dumped)
    assert "@channel" not in dumped.replace("@\\u200bchannel", "")
    progress = blocks.progress_text(Progress("thinking", 10, 3.0, snippet=evil))
    assert not PING.search(progress)


def test_progress_line_shows_phase_tokens_time_and_snippet() -> None:
    text = blocks.progress_text(Progress("thinking", 1234, 42.0, "so the sum is $\\frac{a}{b}$."))
    first, second = text.split("\n")
    assert first == "*Thinking…* · 1,234 tokens · 0:42"
    assert second.startswith("> ") and "a/b" in second


def test_retrying_progress_shows_the_detail() -> None:
    detail = messages.retrying(messages.SERVER_OVERLOADED, 1, 5, 8)
    text = blocks.progress_text(Progress("retrying", elapsed=12.0, detail=detail))
    assert text.startswith("*Retrying…*") and "overloaded" in text and "attempt 2 of 5" in text


@pytest.mark.parametrize(
    ("error", "retry"),
    [
        (ServerUnavailable(messages.gave_up(messages.SERVER_DOWN, 5)), True),
        (QuestionTooLong(20_000, 14_336), False),
        (QueueError(messages.QUEUE_DOWN), True),
    ],
)
def test_errors_in_plain_words(error: Any, retry: bool) -> None:
    message = blocks.error_message(error, "C1|1.2")
    assert error.user_message in message.text
    has_button = any(b["type"] == "actions" for b in message.blocks)
    assert has_button is retry
    assert_within_slack_limits(message)


def test_solve_root_quotes_the_problem_and_names_the_asker_without_ping() -> None:
    text = blocks.solve_root("Ada <@U9>", "Find $x^2$ when <!channel> x > 1\n\nand more")
    lines = text.split("\n")
    assert lines[0] == texts.asked_via_solve("Ada &lt;@U9&gt;")
    assert lines[1] == "> Find x² when &lt;!channel&gt; x &gt; 1"
    assert lines[2:] == [">", "> and more"]
    assert not PING.search(text)


def test_solve_root_quote_is_bounded() -> None:
    assert len(blocks.solve_root("Ada", "word " * 5000)) < 3000


def test_formulas_worth_an_image() -> None:
    md = "\\[x = 1\\]\n\n\\[\\frac{1}{2}\\]\n\n$$a^{2}+b^{2}$$\n\n\\[\\frac{1}{2}\\]\n\n\\[\\sqrt{3}\\]"
    assert blocks.formulas_to_render(md, 2) == ["\\frac{1}{2}", "a^{2}+b^{2}"]
    assert blocks.formulas_to_render(md, 4) == ["\\frac{1}{2}", "a^{2}+b^{2}", "\\sqrt{3}"]


def test_action_value_round_trip() -> None:
    assert blocks.parse_action_value(blocks.action_value("C1", "1.2")) == ("C1", "1.2")
    assert blocks.parse_action_value("junk") is None


def cancel_buttons(message: blocks.Message) -> list[dict[str, Any]]:
    return [
        element
        for block in message.blocks
        for element in block.get("elements") or []
        if element.get("action_id") == blocks.CANCEL_ACTION
    ]


def test_pending_placeholder_offers_cancel_behind_a_confirmation() -> None:
    for message in (
        blocks.pending(messages.queued(3), "C1|1.2"),
        blocks.progress_message(Progress("thinking", 10, 3.0, snippet="so x = 2"), "C1|1.2"),
        blocks.progress_message(
            Progress("retrying", elapsed=5.0, detail=messages.WORKER_RESTARTED), "C1|1.2"
        ),
    ):
        [button] = cancel_buttons(message)
        assert button["value"] == "C1|1.2" and button["text"]["text"] == texts.CANCEL
        assert button["confirm"]["confirm"]["text"] == texts.CANCEL_CONFIRM_YES
        assert message.blocks[0]["text"]["text"] == message.text
        assert_within_slack_limits(message)


def test_answers_errors_and_cancelled_never_offer_cancel() -> None:
    finals = [
        *blocks.answer_messages(answer(), "C1|1.2"),
        *blocks.answer_messages(answer(truncated=True, final=None, solution=""), "C1|1.2"),
        blocks.error_message(ServerUnavailable(messages.SERVER_DOWN), "C1|1.2"),
        blocks.cancelled(),
    ]
    assert not [b for m in finals for b in cancel_buttons(m)]
    assert blocks.cancelled() == blocks.Message(messages.CANCELLED)
