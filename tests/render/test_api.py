"""The package's public surface stays what the adapters import."""

from __future__ import annotations

import mathbot.render as render


def test_all_is_honest() -> None:
    for name in render.__all__:
        assert hasattr(render, name), name
    assert {
        "to_text",
        "display_blocks",
        "render_png",
        "answer_card",
        "AnswerCard",
        "split_message",
        "reasoning_file",
        "snippet",
        "neutralize_mentions",
        "Flavor",
    } <= set(render.__all__)
