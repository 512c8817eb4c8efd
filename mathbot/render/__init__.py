"""Rendering core: model Markdown + LaTeX → Slack, Discord and console text, formula images, answer cards."""

from .card import AnswerCard, answer_card, answer_text
from .flavor import Flavor, escape_plain
from .images import render_png
from .markup import to_text
from .safety import neutralize_mentions
from .segment import display_blocks
from .split import split_message
from .thinking import reasoning_file, snippet

__all__ = [
    "AnswerCard",
    "Flavor",
    "answer_card",
    "answer_text",
    "display_blocks",
    "escape_plain",
    "neutralize_mentions",
    "reasoning_file",
    "render_png",
    "snippet",
    "split_message",
    "to_text",
]
