"""Splitting R1 output into reasoning and answer, and finding the final boxed answer."""

from mathbot import reasoning


def test_r1_shape_without_opening_tag() -> None:
    parts = reasoning.split("Let me think. x = 2.\n</think>\nSo $x = \\boxed{2}$.")
    assert parts.reasoning == "Let me think. x = 2."
    assert parts.answer == "So $x = \\boxed{2}$."
    assert parts.closed


def test_both_tags() -> None:
    parts = reasoning.split("<think>\nhmm\n</think>\n\nThe answer is $\\boxed{5}$")
    assert parts.reasoning == "hmm"
    assert parts.answer.endswith("\\boxed{5}$")


def test_separate_reasoning_field() -> None:
    parts = reasoning.split("The answer is $\\boxed{7}$.", reasoning_field="I compute 3+4.")
    assert parts == reasoning.Split("I compute 3+4.", "The answer is $\\boxed{7}$.", True)


def test_unclosed_reasoning_is_all_reasoning() -> None:
    parts = reasoning.split("Still thinking about \\boxed{3} maybe")
    assert not parts.closed
    assert parts.answer == ""


def test_last_boxed_is_brace_matched_and_last() -> None:
    text = "first \\boxed{1}, then \\boxed{\\frac{a}{b^{2}}} and finally \\boxed{\\dfrac{3}{4}}."
    assert reasoning.last_boxed(text) == "\\dfrac{3}{4}"
    assert reasoning.last_boxed("\\boxed{\\{1, 2\\}}") == "\\{1, 2\\}"
    assert reasoning.last_boxed("so \\boxed 5.") == "5"
    assert reasoning.last_boxed("\\fbox{42}") == "42"
    assert reasoning.last_boxed("no answer here") is None
    assert reasoning.last_boxed("\\boxed{unclosed") is None


def test_tracker_detects_close_tag_split_across_deltas() -> None:
    tracker = reasoning.StreamTracker()
    for piece in ["Thinking", " hard </th", "ink>", "\n\nAnswer: \\boxed{9}"]:
        tracker.feed(content=piece)
    assert tracker.answering
    assert tracker.result().answer == "Answer: \\boxed{9}"


def test_tracker_with_reasoning_field_switches_to_answering_on_content() -> None:
    tracker = reasoning.StreamTracker()
    tracker.feed(reasoning="step one")
    assert tracker.phase == "thinking"
    assert tracker.recent_reasoning() == "step one"
    tracker.feed(content="Final: \\boxed{1}")
    assert tracker.phase == "answering"


def test_recent_reasoning_starts_at_a_word_and_stops_when_answering() -> None:
    tracker = reasoning.StreamTracker()
    for word in ("The discriminant is large. " * 50).split(" "):
        tracker.feed(content=word + " ")
    recent = tracker.recent_reasoning(100)
    assert len(recent) <= 100
    assert recent.startswith(("The ", "discriminant ", "is ", "large. "))
    tracker.feed(content="</think>Answer")
    assert tracker.recent_reasoning() == ""


def test_recent_reasoning_of_a_short_start() -> None:
    tracker = reasoning.StreamTracker()
    tracker.feed(content="<think>Let me see")
    assert tracker.recent_reasoning() == "Let me see"
