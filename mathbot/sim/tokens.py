"""A deterministic toy tokenizer with Qwen/R1-like special tokens and roughly BPE-sized pieces."""

from __future__ import annotations

import re
import zlib
from typing import NamedTuple

BOS = "<｜begin▁of▁sentence｜>"
EOS = "<｜end▁of▁sentence｜>"
USER = "<｜User｜>"
ASSISTANT = "<｜Assistant｜>"
THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"

SPECIAL_IDS = {
    BOS: 151646,
    EOS: 151643,
    USER: 151644,
    ASSISTANT: 151645,
    THINK_OPEN: 151648,
    THINK_CLOSE: 151649,
}
"""Added tokens and their ids in DeepSeek-R1-Distill-Qwen's vocabulary."""

SPECIAL = frozenset({BOS, EOS, USER, ASSISTANT})
"""Tokens TGI marks `special` (and drops from chat content); `<think>` tags are ordinary text."""

VOCAB_SIZE = 151643
"""Ordinary pieces get ids below the first added token."""

_PIECE = re.compile(
    "|".join(
        [
            *(re.escape(t) for t in sorted(SPECIAL_IDS, key=len, reverse=True)),
            r" ?[^\W\d_]{1,4}",  # words, in slices of up to four letters (with their leading space)
            r"\d",  # Qwen splits numbers into single digits
            r"[ \t]*\n+",  # line breaks, with trailing blanks
            r" ?[^\s\w]",  # one punctuation mark, LaTeX backslash, brace...
            r"\s+(?!\S)",  # blanks, leaving the last one to the next word
            r"\s+",
            r".",  # anything else (underscore...)
        ]
    ),
    re.DOTALL,
)


class Token(NamedTuple):
    """One piece of text: its id, text and character offsets, and whether TGI calls it special."""

    id: int
    text: str
    start: int
    stop: int
    special: bool


def token_id(text: str) -> int:
    """Stable id of a piece: the real id for added tokens, a hash for the rest."""
    return SPECIAL_IDS.get(text, zlib.crc32(text.encode()) % VOCAB_SIZE)


def tokenize(text: str) -> list[Token]:
    """Split `text` into tokens whose texts concatenate back to `text` exactly."""
    return [
        Token(token_id(m.group()), m.group(), m.start(), m.end(), m.group() in SPECIAL)
        for m in _PIECE.finditer(text)
    ]


def count_tokens(text: str) -> int:
    """Number of tokens of `text`."""
    return sum(1 for _ in _PIECE.finditer(text))
