"""Golden tests: realistic model solutions rendered for each platform, compared with reviewed outputs.

Regenerate after an intended change with ``UPDATE_GOLDEN=1 pytest tests/render/test_golden.py``,
then read every changed ``.txt`` before committing it: the files lock in correct output, not
whatever the code printed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from mathbot.render import to_text

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.stem for p in GOLDEN.glob("*.md"))
FLAVORS = ("slack", "discord", "console")


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("name", CASES)
def test_golden(name: str, flavor: str) -> None:
    source = (GOLDEN / f"{name}.md").read_text(encoding="utf-8")
    actual = to_text(source, flavor) + "\n"
    expected_path = GOLDEN / f"{name}.{flavor}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        expected_path.write_text(actual, encoding="utf-8")
    assert expected_path.exists(), f"missing {expected_path.name}: run with UPDATE_GOLDEN=1 and review it"
    assert actual == expected_path.read_text(encoding="utf-8")


def test_golden_corpus_is_big_enough() -> None:
    assert len(CASES) >= 10


@pytest.mark.parametrize("name", CASES)
def test_golden_outputs_have_no_raw_latex(name: str) -> None:
    source = (GOLDEN / f"{name}.md").read_text(encoding="utf-8")
    for flavor in FLAVORS:
        text = to_text(source, flavor)
        # code spans and blocks are verbatim by design
        text = re.sub(r"```.*?```|(?<!\\)`[^`\n]*(?<!\\)`", "", text, flags=re.S)
        assert not re.findall(r"\\[a-zA-Z]+", text), (flavor, text)
