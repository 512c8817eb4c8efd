"""Splitting R1 output into reasoning and answer, and concluding: final answer or truncated."""

from mathbot import extract


def test_r1_shape_without_opening_tag() -> None:
    parts = extract.split("Let me think. x = 2.\n</think>\nSo $x = \\boxed{2}$.")
    assert parts.reasoning == "Let me think. x = 2."
    assert parts.answer == "So $x = \\boxed{2}$."
    assert parts.closed


def test_both_tags() -> None:
    parts = extract.split("<think>\nhmm\n</think>\n\nThe answer is $\\boxed{5}$")
    assert parts.reasoning == "hmm"
    assert parts.answer.endswith("\\boxed{5}$")


def test_separate_reasoning_field() -> None:
    parts = extract.split("The answer is $\\boxed{7}$.", reasoning_field="I compute 3+4.")
    assert parts == extract.Split("I compute 3+4.", "The answer is $\\boxed{7}$.", True)


def test_unclosed_reasoning_is_all_reasoning() -> None:
    parts = extract.split("Still thinking about \\boxed{3} maybe")
    assert not parts.closed
    assert parts.answer == ""


def test_tracker_detects_close_tag_split_across_deltas() -> None:
    tracker = extract.StreamTracker()
    for piece in ["Thinking", " hard </th", "ink>", "\n\nAnswer: \\boxed{9}"]:
        tracker.feed(content=piece)
    assert tracker.answering
    assert tracker.result().answer == "Answer: \\boxed{9}"


def test_tracker_with_reasoning_field_switches_to_answering_on_content() -> None:
    tracker = extract.StreamTracker()
    tracker.feed(reasoning="step one")
    assert tracker.phase == "thinking"
    assert tracker.recent_reasoning() == "step one"
    tracker.feed(content="Final: \\boxed{1}")
    assert tracker.phase == "answering"


def test_recent_reasoning_starts_at_a_word_and_stops_when_answering() -> None:
    tracker = extract.StreamTracker()
    for word in ("The discriminant is large. " * 50).split(" "):
        tracker.feed(content=word + " ")
    recent = tracker.recent_reasoning(100)
    assert len(recent) <= 100
    assert recent.startswith(("The ", "discriminant ", "is ", "large. "))
    tracker.feed(content="</think>Answer")
    assert tracker.recent_reasoning() == ""


def test_recent_reasoning_of_a_short_start() -> None:
    tracker = extract.StreamTracker()
    tracker.feed(content="<think>Let me see")
    assert tracker.recent_reasoning() == "Let me see"


ECHO = (
    "<｜begin▁of▁sentence｜><｜User｜>Find $x$ if $x + 1 = 2$.\n"
    "Please reason step by step, and put your final answer within \\boxed{}.<｜Assistant｜><think>\n"
)
"""What `transformers serve` streamed as its first `content` chunk for a Qwen2 R1 distill: the prompt."""

TEMPLATE_TOKENS = ("<｜", "｜>", "<|User|>", "<|Assistant|>", "<think>", "</think>")


def streamed(deltas: list[tuple[str, str]], finish: str) -> extract.Conclusion:
    """Feed (content, reasoning) deltas as a worker does, then conclude."""
    tracker = extract.StreamTracker()
    for content, reasoning in deltas:
        tracker.feed(content, reasoning)
    return extract.conclude(tracker.result(), finish)


def shown(ended: extract.Conclusion) -> str:
    return ended.reasoning + ended.solution + (ended.final or "")


def test_tgi_tags_only_stop() -> None:
    ended = streamed(
        [("Since x + 1 = 2, x = 1.", ""), ("\n</th", ""), ("ink>\n\nSo $x = \\boxed{1}$.", "")], "stop"
    )
    assert ended == extract.Conclusion("Since x + 1 = 2, x = 1.", "So $x = \\boxed{1}$.", "1", False)


def test_vllm_reasoning_field_stop() -> None:
    ended = streamed([("", "Since x + 1 = 2,"), ("", " x = 1."), ("\n\nSo $x = \\boxed{1}$.", "")], "stop")
    assert ended == extract.Conclusion("Since x + 1 = 2, x = 1.", "So $x = \\boxed{1}$.", "1", False)


def test_transformers_serve_echo_then_whole_generation_as_reasoning() -> None:
    deltas = [
        (ECHO, ""),
        ("", "Okay, x + 1 = 2"),
        ("", " gives x = 1.\n</th"),
        ("", "ink>\n\nSo $x = \\boxed{1}$."),
    ]
    ended = streamed(deltas, "stop")
    assert ended == extract.Conclusion("Okay, x + 1 = 2 gives x = 1.", "So $x = \\boxed{1}$.", "1", False)


def test_transformers_serve_echo_cut_by_length_is_truncated_and_shows_no_prompt() -> None:
    ended = streamed(
        [(ECHO, ""), ("", "Okay, x + 1 = 2"), ("", " so maybe x = 1, but let me check")], "length"
    )
    assert ended.truncated and ended.final is None
    assert ended.solution == ""
    assert "Please reason" not in shown(ended)
    assert not any(token in shown(ended) for token in TEMPLATE_TOKENS)


def test_length_stop_with_content_beside_reasoning_is_truncated() -> None:
    ended = streamed([("", "Let me think about x"), ("Putting it together, the answer is", "")], "length")
    assert ended.truncated and ended.final is None


def test_an_empty_box_is_no_answer() -> None:
    ended = streamed([("thinking</think>The answer is $\\boxed{}$", "")], "length")
    assert ended.truncated and ended.final is None
    assert streamed([("thinking</think>The answer is $\\boxed{ }$.", "")], "stop").final is None


def test_length_stop_after_a_final_answer_is_an_answer() -> None:
    ended = streamed([("thinking</think>So $\\boxed{5}$. Let me double-check once more and", "")], "length")
    assert ended.final == "5" and not ended.truncated


def test_length_stop_inside_reasoning_with_a_box_is_truncated() -> None:
    ended = streamed([("maybe the answer is \\boxed{5}, but wait", "")], "length")
    assert ended.truncated and ended.final is None and ended.solution == ""


def test_a_model_that_skipped_thinking() -> None:
    ended = streamed([("Directly: $x = \\boxed{1}$.", "")], "stop")
    assert ended == extract.Conclusion("", "Directly: $x = \\boxed{1}$.", "1", False)


def test_a_finished_solution_without_a_box_is_answered_without_a_final() -> None:
    ended = streamed([("hm</think>The answer is one.", "")], "stop")
    assert ended.final is None and not ended.truncated


def test_several_boxes_conclude_as_one_list() -> None:
    ended = streamed([("hm</think>The solutions are $\\boxed{3}$ and $\\boxed{-5}$.", "")], "stop")
    assert ended.final == "3, -5"


def test_end_of_sentence_and_a_runaway_next_turn_never_reach_a_user() -> None:
    text = "hm</think>So $\\boxed{7}$.<｜end▁of▁sentence｜><｜User｜>Next: $\\boxed{}$<｜Assistant｜>Sure"
    ended = streamed([(text, "")], "length")
    assert ended == extract.Conclusion("hm", "So $\\boxed{7}$.", "7", False)
    ascii_runaway = "hm</think>So $\\boxed{7}$.<|end_of_sentence|><|User|>Again?"
    assert streamed([(ascii_runaway, "")], "stop").solution == "So $\\boxed{7}$."


def test_an_echoed_thread_without_think_is_all_prompt() -> None:
    echo = (
        "<｜begin▁of▁sentence｜><｜User｜>Q1<｜Assistant｜>A1 \\boxed{4}<｜end▁of▁sentence｜>"
        "<｜User｜>Q2<｜Assistant｜>"
    )
    ended = streamed([(echo, ""), ("", "Hmm, Q2 asks")], "length")
    assert ended.truncated and ended.solution == "" and "A1" not in shown(ended)


def test_ascii_template_echo() -> None:
    ended = streamed([("<|User|>Find x.<|Assistant|><think>\nx is 2</think>$\\boxed{2}$", "")], "stop")
    assert ended == extract.Conclusion("x is 2", "$\\boxed{2}$", "2", False)


def test_progress_snippet_never_shows_template_tokens() -> None:
    tracker = extract.StreamTracker()
    tracker.feed(content=ECHO)
    assert not any(token in tracker.recent_reasoning() for token in TEMPLATE_TOKENS)
    assert "Please reason" not in tracker.recent_reasoning()
    tracker.feed(reasoning="Okay, x + 1 = 2.")
    assert tracker.recent_reasoning() == "Okay, x + 1 = 2."
