"""Pure parts of the TGI simulator: tokenizer, template, script, problem matching, faults, validation."""

from __future__ import annotations

import pytest

from mathbot.problemsets import answer_text
from mathbot.sim import SimConfig
from mathbot.sim.faults import FaultQueue, FaultSpecError, parse_fault_spec
from mathbot.sim.problems import ProblemBank
from mathbot.sim.script import NOTICE, hashed_answer, plan_generation, write_script
from mathbot.sim.template import apply_chat_template, problem_from_prompt
from mathbot.sim.tokens import EOS, count_tokens, tokenize
from mathbot.sim.validation import ValidationFailure, check_lengths
from tests.support.data import DATA_DIR, require_data


def test_tokens_concatenate_back_and_special_tokens_stay_whole() -> None:
    text = f"<｜User｜>Let $x^2 = 2024$.\n\n\\frac{{a}}{{b}}  ok</think>{EOS}"
    tokens = tokenize(text)
    assert "".join(t.text for t in tokens) == text and count_tokens(text) == len(tokens)
    assert [t.text for t in tokens if t.special] == ["<｜User｜>", EOS]
    assert any(t.text == "</think>" and not t.special for t in tokens)
    assert [t.text for t in tokenize("2024")] == ["2", "0", "2", "4"]


def test_plain_english_is_a_few_characters_per_token() -> None:
    text = "The quick brown fox jumps over the lazy dog while everyone watches in amazement. " * 20
    assert 3.0 < len(text) / count_tokens(text) < 5.0


def test_template_and_problem_from_a_templated_prompt() -> None:
    prompt = apply_chat_template([{"role": "user", "content": [{"type": "text", "text": "Solve x+1=2."}]}])
    assert prompt.endswith("<｜Assistant｜><think>\n") and problem_from_prompt(prompt) == "Solve x+1=2."
    assert problem_from_prompt("just text") == "just text"


def test_script_is_deterministic_and_says_it_is_simulated() -> None:
    one = write_script("Find x.", known=None, seed_key="seed:1", reasoning_tokens=500)
    assert one == write_script("Find x.", known=None, seed_key="seed:1", reasoning_tokens=500)
    assert one.reasoning.startswith(NOTICE) and "\\boxed" not in one.reasoning
    assert one.solution.endswith(f"The final answer is $\\boxed{{{hashed_answer('Find x.')}}}$.")
    assert 400 < count_tokens(one.reasoning) < 650


@pytest.mark.parametrize("shape", ["r1", "tags", "split"])
def test_plan_ends_with_eos_and_has_one_close_tag(shape: str) -> None:
    plan = plan_generation(
        "Find x.", known=None, seed_key="greedy", reasoning_tokens=200, shape=shape, max_new_tokens=5000
    )
    text = "".join(p.text for p in plan.pieces)
    assert plan.finish_reason == "eos_token" and plan.pieces[-1].text == EOS
    assert text.count("</think>") == 1 and text.startswith("<think>") == (shape == "tags")
    assert {p.part for p in plan.pieces} == {"reasoning", "marker", "content", "eos"}


def test_plan_cut_by_length_stop_and_no_answer() -> None:
    common = {"known": None, "seed_key": "seed:3", "reasoning_tokens": 200, "shape": "r1"}
    short = plan_generation("Find x.", max_new_tokens=10, **common)
    assert (len(short.pieces), short.finish_reason) == (10, "length")
    stopped = plan_generation("Find x.", max_new_tokens=5000, stop=("</think>",), **common)
    text = "".join(p.text for p in stopped.pieces)
    assert stopped.finish_reason == "stop_sequence" and text.endswith("</think>")
    endless = plan_generation("Find x.", max_new_tokens=3000, no_answer=True, **common)
    text = "".join(p.text for p in endless.pieces)
    assert (len(endless.pieces), endless.finish_reason) == (3000, "length") and "</think>" not in text


def test_problem_bank_matches_exactly_or_by_long_containment() -> None:
    require_data()
    bank = ProblemBank.from_dir(str(DATA_DIR))
    assert len(bank) > 600
    aime = (
        "Find the sum of all integer bases \\( b > 9 \\) for which \\( 17_b \\) is a divisor of \\( 97_b \\)."
    )
    found = bank.find(f"  Hi!\n{aime}\nPlease explain.")
    assert found is not None and (found.source, found.id, found.answer) == ("aime_2025", "1", "70")
    assert bank.find("Find") is None and bank.find("") is None
    assert ProblemBank.from_dir(None).find(aime) is None
    assert (answer_text(27.0), answer_text(70), answer_text("\\frac{1}{2}")) == (
        "27",
        "70",
        "\\frac{1}{2}",
    )


def test_fault_specs_queue_in_order_and_reject_nonsense() -> None:
    queue = FaultQueue()
    queue.extend(parse_fault_spec({"overloaded": 2, "die_after_tokens": 5}).faults)
    kinds = [("overloaded", "error_status"), ("die", "stall"), ("overloaded", "error_status"), ("die",)]
    taken = [queue.take(k) for k in kinds]
    assert [f.kind if f else None for f in taken] == ["overloaded", None, "overloaded", "die"]
    assert queue.pending() == []
    spec = parse_fault_spec({"tokens_per_second": 50, "error_status": 503})
    assert spec.tokens_per_second == 50 and spec.faults[0].error_type == "unavailable"
    for bad in ({"nope": 1}, {"overloaded": -1}, {"error_status": 200}, {"tokens_per_second": 0}, [1]):
        with pytest.raises(FaultSpecError):
            parse_fault_spec(bad)


def test_length_checks_follow_tgi() -> None:
    config = SimConfig()
    assert check_lengths(100, None, config) == 16284
    with pytest.raises(ValidationFailure, match="Given: 20000 `inputs` tokens and 1000 `max_new_tokens`"):
        check_lengths(20000, 1000, config)
    with pytest.raises(ValidationFailure, match=r"`inputs` must have less than 15360 tokens\. Given: 16000"):
        check_lengths(16000, None, config)


def test_config_rejects_impossible_settings() -> None:
    for bad in ({"shape": "json"}, {"capacity": 0}, {"max_input_tokens": 20000}, {"tokens_per_second": 0}):
        with pytest.raises(ValueError):
            SimConfig(**bad)


def test_accuracy_makes_that_share_of_sampled_answers_right() -> None:
    problem = "Find the number of positive divisors of 2024."
    right = hashed_answer(problem)

    def answers(accuracy: float) -> list[str]:
        return [
            write_script(
                problem, known=None, seed_key=f"seed:{s}", reasoning_tokens=50, accuracy=accuracy
            ).answer
            for s in range(200)
        ]

    assert set(answers(1.0)) == {right}
    half = answers(0.5)
    assert 70 <= half.count(right) <= 130  # about half, by the seed
    wrong = [a for a in half if a != right]
    assert len(set(wrong)) > 10 and all(a.isdigit() and 0 <= int(a) <= 999 for a in wrong)
    greedy = write_script(problem, known=None, seed_key="greedy", reasoning_tokens=50, accuracy=0.0)
    assert greedy.answer == right  # greedy decoding is the model's best guess
    bad = write_script(problem, known=None, seed_key="seed:0", reasoning_tokens=50, accuracy=0.0)
    assert bad.answer != right and "deliberately wrong" in bad.solution


def test_accuracy_is_a_run_time_setting() -> None:
    assert parse_fault_spec({"accuracy": 0.25}).accuracy == 0.25
    with pytest.raises(FaultSpecError):
        parse_fault_spec({"accuracy": 2})
    with pytest.raises(ValueError):
        SimConfig(accuracy=-0.1)


def test_a_known_mix_of_sample_answers_is_boxed_in_turn_by_seed() -> None:
    from mathbot.extract import conclude, split
    from mathbot.sim.problems import Problem

    mix = ("70", r"12\,\text{m}", r"\boxed{3} \text{ or } \boxed{-5}")
    known = Problem("test", "1", "Find x.", "70", mix)
    finals = []
    for seed in range(6):
        plan = plan_generation(
            "Find x.", known=known, seed_key=f"seed:{seed}", reasoning_tokens=80, shape="r1",
            max_new_tokens=4000, accuracy=1.0,
        )  # fmt: skip
        text = "".join(p.text for p in plan.pieces if not p.special)
        assert "\\boxed" not in text.split("</think>")[0]  # the reasoning boxes nothing
        finals.append(conclude(split(text), "stop").final)
    assert finals == ["70", r"12\,\text{m}", "3, -5"] * 2
    greedy = write_script("Find x.", known=known, seed_key="greedy", reasoning_tokens=80)
    assert greedy.answer == "70"  # greedy requests are always right, as with --accuracy


def test_sim_answers_are_read_from_the_problem_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    row = '{"id": 7, "problem": "Find y.", "answer": 2.0, "sim_answers": [2.0, "3"]}'
    (tmp_path / "mix.jsonl").write_text(row + "\n")
    problem = ProblemBank.from_dir(str(tmp_path)).find("Find y.")
    assert problem is not None and problem.samples == ("2", "3") and problem.answer == "2"
