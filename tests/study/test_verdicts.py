"""Verdicts, hints and streaks as pure logic: what a check says, never the answer; a solution's steps in
order with the final answer last; days in a row."""

from __future__ import annotations

from datetime import date

from mathbot.outcome import Answer, Vote
from mathbot.study import cards, check, hints, leaderboard, texts


def voted(answers: tuple[tuple[str, int], ...], samples: int = 5) -> Answer:
    return Answer(
        question="q",
        reasoning="r",
        solution="s",
        final=answers[0][0] if answers else None,
        truncated=False,
        finish_reason="eos_token",
        prompt_tokens=1,
        completion_tokens=1,
        thinking_seconds=1.0,
        elapsed=1.0,
        vote=Vote(samples=samples, agree=answers[0][1] if answers else 0, answers=answers),
    )


def test_against_the_majority_right_wrong_and_unsure() -> None:
    majority = voted((("\\frac{1}{2}", 4), ("3", 1)))
    assert check.against_answer("0.5", majority) == check.Verdict("correct", "0.5", False, "", 5, 4, 4)
    wrong = check.against_answer("3", majority)
    assert (wrong.outcome, wrong.matches) == ("wrong", 1)
    split = voted((("7", 2), ("8", 2), ("9", 1)))
    assert check.against_answer("7", split).outcome == "unsure"  # 2 of 5 is no majority, even if it is yours
    assert check.against_answer("7", voted(())).outcome == "unsure"


def test_a_vote_decided_early_counts_the_samples_drawn_and_says_the_rest_were_stopped() -> None:
    early = voted((("12", 3),))
    early = Answer(**{**early.__dict__, "vote": Vote(samples=5, agree=3, answers=(("12", 3),), stopped=2)})
    verdict = check.against_answer("12", early)
    assert (verdict.outcome, verdict.samples, verdict.stopped) == ("correct", 3, 2)
    shown = " ".join(cards.verdict(verdict, "ref").notes)
    assert "All 3 samples agree (2 more stopped early" in shown and "of 5" not in shown


def test_against_the_official_answer() -> None:
    assert check.against_official("070", "70", "AIME 2025 #1").outcome == "correct"
    assert check.against_official("71", "70").outcome == "wrong"


def test_a_verdict_card_never_holds_the_answer() -> None:
    wrong = check.against_answer("3", voted((("\\frac{1}{2}", 4), ("3", 1))))
    card = cards.verdict(wrong, "ref1")
    shown = " ".join([card.title, card.body, *card.notes])
    assert card.private and card.title == texts.WRONG_VOTE and card.verdict == "wrong"
    assert "1/2" not in shown and "frac" not in shown and "4 of 5 samples agree" in shown
    assert card.actions == ("answer", "solution") and card.ref == "ref1"


SOLUTION = """Let $x$ be the number.

We have
\\[
x^2 - 5x + 6 = 0,

x = 2 \\text{ or } 3.
\\]
So $x$ is 2 or 3.

Checking the constraint leaves $x = 3$.

The final answer is $\\boxed{3}$."""


def test_hints_are_the_steps_in_order_then_the_final_answer() -> None:
    steps = hints.steps(SOLUTION, "3")
    assert steps[0] == "Let $x$ be the number."
    assert steps[1].startswith("We have") and steps[1].endswith("So $x$ is 2 or 3.")  # the display kept whole
    assert steps[2] == "Checking the constraint leaves $x = 3$."
    assert steps[-1] == "$3$" and len(steps) == 4
    long = "\n\n".join(f"Step {i}." for i in range(1, 15))
    assert len(hints.steps(long, "1")) <= hints.MAX_STEPS + 1
    assert hints.steps(long, None)[0].startswith("Step 1.")


def test_streaks() -> None:
    today = date(2026, 12, 2)
    assert leaderboard.current_streak("2026-12-02|4", today) == 4
    assert leaderboard.current_streak("2026-12-01|4", today) == 4
    assert leaderboard.current_streak("2026-11-30|4", today) == 0
    assert leaderboard.current_streak(None, today) == 0
    assert leaderboard.period_key("week", today) == "week:2026-W49"
    assert leaderboard.period_key("month", today) == "month:2026-12"
