"""Problem sets for `mathbot eval`: by name in the data folders, or a JSONL file; one-line refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from mathbot.errors import InputError
from mathbot.problemsets import load
from tests.support.data import DATA_DIR, require_data


def test_a_set_is_found_by_name_in_the_configured_folder(tmp_path: Path) -> None:
    rows = [
        '{"id": 4, "problem": "What is 2+2?", "answer": 4.0}',
        "",
        r'{"question": "And 1/2?", "answer": "\\frac{1}{2}"}',
    ]
    (tmp_path / "tiny.jsonl").write_text("\n".join(rows) + "\n")
    found = load("tiny", tmp_path)
    assert found.name == "tiny" and found.path == tmp_path / "tiny.jsonl"
    assert [(p.id, p.problem, p.answer) for p in found.problems] == [
        ("4", "What is 2+2?", "4"),
        ("3", "And 1/2?", "\\frac{1}{2}"),  # no id: its line number
    ]
    assert found.problems[0].digest != load(str(tmp_path / "tiny.jsonl")).problems[1].digest


def test_the_shared_sets_are_found_without_configuration() -> None:
    require_data()
    aime = load("aime_2025", DATA_DIR)
    assert len(aime.problems) == 30 and aime.problems[0].answer == "70"
    assert load("hmmt_2025").problems[0].answer == "103"


@pytest.mark.parametrize(
    ("spec", "content", "message"),
    [
        ("no_such_set", None, "There is no problem set named 'no_such_set'"),
        ("missing.jsonl", None, "missing.jsonl: No such file or directory."),
        ("rows.jsonl", '{"problem": "x"}\n', "rows.jsonl:1: it needs a `problem` and an `answer`."),
        ("rows.jsonl", "[1, 2]\n", "rows.jsonl:1: not a JSON object."),
        ("rows.jsonl", "\n\n", "it holds no problems."),
    ],
)
def test_what_cannot_be_used_is_refused_in_one_line(
    tmp_path: Path, spec: str, content: str | None, message: str
) -> None:
    if content is not None:
        (tmp_path / spec).write_text(content)
    target = spec if spec == "no_such_set" else str(tmp_path / spec)
    with pytest.raises(InputError) as refused:
        load(target, tmp_path)
    assert message in refused.value.user_message
    assert "\n" not in refused.value.user_message
