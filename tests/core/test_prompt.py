"""Prompt building and the token budget."""

import pytest

from mathbot import prompt
from mathbot.errors import EmptyQuestion, QuestionTooLong
from mathbot.jobs import Turn


def words(messages: list[dict[str, str]]) -> int:
    return sum(len(m["content"].split()) for m in messages)


def test_single_question_gets_the_instruction() -> None:
    messages = prompt.build_messages([Turn(role="user", content="  What is 2+2? ")])
    assert messages == [{"role": "user", "content": f"What is 2+2?\n\n{prompt.INSTRUCTION}"}]


def test_history_strips_earlier_reasoning_and_merges_same_role() -> None:
    turns = [
        Turn(role="user", content="Q1"),
        Turn(role="assistant", content="long thoughts</think>The answer is \\boxed{1}."),
        Turn(role="user", content="why?"),
        Turn(role="user", content="and also how?"),
    ]
    messages = prompt.build_messages(turns)
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[1]["content"] == "The answer is \\boxed{1}."
    assert messages[2]["content"].startswith("why?\n\nand also how?")


def test_empty_question_is_refused() -> None:
    with pytest.raises(EmptyQuestion):
        prompt.build_messages([Turn(role="user", content="   ")])


def test_budget_leaves_the_rest_for_the_answer() -> None:
    budget = prompt.fit([Turn(role="user", content="a b c")], words, max_total=100, min_answer=10)
    assert budget.prompt_tokens == words(budget.messages)
    assert budget.max_tokens == 100 - budget.prompt_tokens
    assert budget.dropped_turns == 0


def test_budget_drops_oldest_turns_first() -> None:
    turns = [
        Turn(role="user", content="old " * 40),
        Turn(role="assistant", content="reply " * 40),
        Turn(role="user", content="recent question"),
    ]
    budget = prompt.fit(turns, words, max_total=60, min_answer=20)
    assert budget.dropped_turns == 2
    assert budget.messages[0]["content"].startswith("recent question")


def test_question_alone_too_long_is_refused_with_numbers() -> None:
    with pytest.raises(QuestionTooLong) as info:
        prompt.fit([Turn(role="user", content="x " * 500)], words, max_total=100, min_answer=40)
    assert info.value.limit == 60
    assert "60" in info.value.user_message


def test_estimate_is_conservative() -> None:
    messages = [{"role": "user", "content": "x" * 3000}]
    assert prompt.estimate_tokens(messages, 3.0) >= 1000


def test_budget_respects_the_servers_input_limit() -> None:
    turns = [
        Turn(role="user", content="old " * 30),
        Turn(role="assistant", content="ok"),
        Turn(role="user", content="q"),
    ]
    budget = prompt.fit(turns, words, max_total=100, min_answer=10, max_input=20)
    assert budget.dropped_turns == 2 and budget.max_tokens == 100 - budget.prompt_tokens
    with pytest.raises(QuestionTooLong) as info:
        prompt.fit([Turn(role="user", content="x " * 30)], words, max_total=100, min_answer=10, max_input=20)
    assert info.value.limit == 20
