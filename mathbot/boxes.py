"""The final answer of a solution: every `\\boxed{}` of its concluding statement, not just the last.

"Find all …" problems are answered with several boxes (`\\boxed{3} \\text{ or } \\boxed{-5}`,
`\\boxed{(1,4)}, \\boxed{(4,1)}`, one box per line under "The solutions are:", "(I) … (II) …"),
while a box earlier in a solution can be an intermediate result (`x = \\boxed{4}`, so the area is
`\\boxed{16}`). The rule, taken from how R1-style solutions end:

* The final answer ends with the last non-empty box (an empty `\\boxed{}` is no answer: it is what
  an echoed prompt's "put your final answer within \\boxed{}" leaves behind).
* Going backwards, an earlier box belongs to the same concluding statement while the text between
  it and the next box only *connects* them: math delimiters, spacing, punctuation, list bullets,
  part labels (`(a)`, `(II)`, `2.`, `Part 3:`), a variable label just before the box (`x =`,
  `(a, b) =`), and a few plain words ("and", "or", "and the largest is", "(II) The sum is").
* The chain stops at anything that derives rather than connects: mathematics between the boxes
  (`$b = 2a + 1$`), a consequence word ("so", "thus", "then", "substituting", "we"…), a "Final
  Answer" heading (what comes before it is not the conclusion), more than a dozen words, or a new
  sentence that neither starts with a part label nor enumerates ("The other solution is …").
* A box repeated (the same canonical spelling: `70`, `070`) is given once.

The parts are joined with ", " — the way math-verify reads several boxes (it joins them with commas
and reads the result as a set), so `3, -5` = `-5, 3` and a pair `14, 205` stays a pair, not 14205.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mathbot.equivalence import canonical
from mathbot.tex import group_end

_BOX = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z])\s*")
_BARE = re.compile(r"[^\s$.,;{}\\]+")
"""`\\boxed 5`: a box without braces holds one token."""


MAX_UNCLOSED = 16
"""Unclosed boxes scanned before giving up on the rest of a text (a model stuck repeating `\\boxed{`)."""


@dataclass(frozen=True)
class Box:
    """One `\\boxed{...}` in a text: its content (stripped) and where the whole box starts and ends."""

    content: str
    start: int
    end: int


def boxes(text: str) -> list[Box]:
    """Every box of `text` in order, brace-matched; a box inside another box is part of it, and
    `\\boxed{\\boxed{5}}` holds 5. An unclosed `\\boxed{` is not a box (a box inside it still is),
    and past `MAX_UNCLOSED` of them the rest of the text has no boxes: each costs a scan to the end."""
    found: list[Box] = []
    at = unclosed = 0
    while (match := _BOX.search(text, at)) is not None:
        start, open_at = match.start(), match.end()
        if text.startswith("{", open_at):
            end = group_end(text, open_at)
            if end < 0:
                unclosed += 1
                if unclosed > MAX_UNCLOSED:
                    break
                at = open_at
                continue
            content = _strip(text[open_at + 1 : end - 1])
        else:
            bare = _BARE.match(text, open_at)
            if bare is None:
                at = open_at
                continue
            end, content = bare.end(), bare.group(0)
        found.append(Box(_unwrap(content), start, end))
        at = end
    return found


def _strip(content: str) -> str:
    stripped = content.strip()
    escaped = len(stripped) - len(stripped.rstrip("\\"))
    return stripped + " " if escaped % 2 and stripped != content.lstrip() else stripped  # keep `\ `


def _unwrap(content: str) -> str:
    for _ in range(3):  # `\boxed{\boxed{5}}` happens; deeper nesting is not worth a scan each
        match = _BOX.match(content)
        if match is None or group_end(content, match.end()) != len(content):
            break
        content = _strip(content[match.end() + 1 : -1])
    return content


def last_boxed(text: str) -> str | None:
    """The content of the last box, empty or not (the rule before multi-part answers)."""
    found = boxes(text)
    return found[-1].content if found else None


def final_boxes(text: str) -> tuple[str, ...]:
    """The contents of the boxes of the concluding statement (see the module docstring), in order;
    empty when the text has no non-empty box."""
    found = [box for box in boxes(text) if not is_blank(box.content)]
    if not found:
        return ()
    chosen = [found[-1]]
    for previous in reversed(found[:-1]):
        if not connects(text[previous.end : chosen[-1].start]):
            break
        chosen.append(previous)
    parts: dict[str, str] = {}
    for box in reversed(chosen):
        parts.setdefault(canonical(box.content), box.content)
    return tuple(parts.values())


def final_answer(text: str) -> str | None:
    """The final answer of a solution as one LaTeX string (several boxes joined as a list), or None."""
    return join(final_boxes(text)) or None


_THOUSANDS = re.compile(r"-?\d{1,3}(?:,\d{3})+")


def join(parts: tuple[str, ...] | list[str]) -> str:
    """Several answers as one list math-verify reads as a set. A lone part is kept as written; in a
    list a thousands separator is written `{,}` so that `1,000` and `2` stay two numbers."""
    if len(parts) == 1:
        return parts[0]
    return ", ".join(p.replace(",", "{,}") if _THOUSANDS.fullmatch(p) else p for p in parts)


_BLANK = re.compile(r"\\(?:text|mathrm|mbox)\s*\{\s*\}|\\[,;:! ]|\\q?quad(?![A-Za-z])|~|\$|\s")


def is_blank(content: str) -> bool:
    """True for a box that says nothing: `\\boxed{}`, `\\boxed{\\ }`, `\\boxed{\\text{}}`."""
    return not _BLANK.sub("", content)


MAX_GAP_CHARS = 300
"""Text between two boxes longer than this never connects them."""

MAX_GAP_WORDS = 12
"""Words between two boxes (labels and math delimiters aside) beyond which they are separate statements."""

_TEXT = re.compile(r"\\(?:text|textbf|textit|textrm|mathrm|mbox|emph)\s*\{([^{}]*)\}")
_DELIMITERS = re.compile(r"\$+|\\[\[\]()]|\\\\|&|\\(?:begin|end)\{(?:aligned|align\*?|gathered|cases)\}")
_SPACING = re.compile(
    r"\\(?:q?quad|enspace|[,;:! ]|hspace\*?\{[^{}]*\}|vspace\*?\{[^{}]*\}|newline|displaystyle)(?![A-Za-z])|~"
)
_MARKDOWN = re.compile(r"^\s*[-•+]\s+|[*#>`]", re.MULTILINE)
_PART = re.compile(
    r"(?<![\w(])(?:\((?:[a-h]|[ivx]{1,4}|[IVX]{1,4}|\d{1,2})\)|(?:[a-h]|[IVX]{1,4}|\d{1,2})\)(?=\s)"
    r"|^\s*(?:[a-h]|[IVX]{1,4}|\d{1,2})\.(?=\s)|(?:part|case|question|problem)\s*\(?[\w]{1,4}\)?)\s*[.:]?",
    re.IGNORECASE | re.MULTILINE,
)
_LABEL = re.compile(
    r"(?:\(\s*[A-Za-z](?:_\{?\w+\}?)?(?:\s*,\s*[A-Za-z](?:_\{?\w+\}?)?)*\s*\)"
    r"|[A-Za-z](?:_\{?\w+\}?)?(?:\s*\([^()]*\))?)\s*=\s*$"
)
"""A variable label right before a box: `x =`, `x_1 =`, `(x, y) =`, `f(2) =`."""
_MATH = re.compile(r"[=+*/^_<>\\{}|]")
_CONSEQUENCE = re.compile(
    r"\b(?:so|thus|hence|therefore|then|now|next|since|because|which|where|we|us|our|gives?|get|gets"
    r"|implies|substitut\w*|plug\w*|using|use|compute\w*|calculat\w*|find|finding|check\w*|verif\w*)\b"
    r"|所以|因此|因而|于是|从而|则|代入|得到|可得|我们|计算|验证",  # R1 distills conclude in Chinese at times
    re.IGNORECASE,
)
_FINAL_HEADING = re.compile(r"final\s+answer|最终答案", re.IGNORECASE)
_ABBREVIATION = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|St|vs|etc|e\.g|i\.e|approx)\.", re.IGNORECASE)
_SENTENCE = re.compile(r"[.!?。]\s*(\(?[A-Za-z]\w*)")
_ENUMERATING = re.compile(r"\b(?:other|another|also|second|third|fourth|remaining|too|as well)\b", re.I)


def connects(gap: str) -> bool:
    """True when the text between two boxes only connects them (see the module docstring)."""
    if len(gap) > MAX_GAP_CHARS or _FINAL_HEADING.search(gap):
        return False
    text = _TEXT.sub(r" \1 ", gap)
    text = _SPACING.sub(" ", _DELIMITERS.sub(" ", text))
    text = _MARKDOWN.sub(" ", text)
    text = _LABEL.sub("", text.rstrip())
    labelled = bool(_PART.search(text))
    text = _ABBREVIATION.sub(" ", _PART.sub(" ", text))
    if _MATH.search(text) or _CONSEQUENCE.search(text):
        return False
    if len(re.findall(r"[A-Za-z]+", text)) > MAX_GAP_WORDS:
        return False
    return labelled or not _SENTENCE.search(text) or bool(_ENUMERATING.search(text))
