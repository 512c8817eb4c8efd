"""Atoms, the units the converter emits, and what can be told about a piece of converted text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from .. import symbols as sym
from ..boxes import Box

BOX_OPEN = "\x02"
"""Marks the start of a ``\\boxed{}`` answer; the platform layer turns the pair into bold or brackets."""
BOX_CLOSE = "\x03"
SOFT = "\x00"
"""A space that collapses with its neighbours."""
HARD = "\x01"
"""A space that is kept (``\\quad``)."""

BLANK = "＿＿"
"""An underlined blank (``\\underline{\\hphantom{10}}``): full-width low lines, no markup hazard."""

_OPERATOR_CHARS = set(" +-−±∓=<>≤≥≠≈≡/·×÷∣:;,…∈∉⊂⊆⊃⊇∪∩→←↔⇒⇐⇔⟹⟸⟺≅∼≃∝⊥∥∖∧∨¬∀∃")
RELATION_START = tuple("=<>≤≥≠≈≡⟹⇒⇔⟺→∼≅≃∝∈⊂⊆⊃⊇")
"""A text starting with one of these starts with a relation (an alignment cell ``= 3``)."""
_SCRIPT_CHARS = set(sym.SUPERSCRIPTS.values()) | set(sym.SUBSCRIPTS.values()) | {"′", "″", "!", "°"}
_OPEN_CHARS = "([{⌊⌈⟨"
_CLOSE_CHARS = ")]}⌋⌉⟩"


@dataclass
class Atom:
    """One unit of output with a kind that decides spacing and bracketing around it.

    kinds: ord (operand), lit (literal operator character, source spacing kept), op (spaced operator
    from a macro), space, open, close, func (sin, log: spaced from a following operand), bigop (∑),
    frac (a/b: bracketed next to operands), sqrt, text, newline, amp.
    """

    text: str | Box
    kind: str = "ord"
    unary: bool = False
    sized: bool = False
    """An open/close from ``\\left``/``\\right``: grows to a tall box between them."""


def visible(text: str) -> str:
    """The text without the ``\\boxed`` markers."""
    return "".join(ch for ch in text if ch not in (BOX_OPEN, BOX_CLOSE))


def bracketed(text: str) -> bool:
    """True when the whole string is one bracket pair: ``(a+b)`` yes, ``(a)(b)`` no."""
    if len(text) < 2 or text[0] not in _OPEN_CHARS + "|" or text[-1] not in _CLOSE_CHARS + "|":
        return False
    depth = 0
    for i, ch in enumerate(text):
        if ch in _OPEN_CHARS:
            depth += 1
        elif ch in _CLOSE_CHARS:
            depth -= 1
            if depth == 0 and i != len(text) - 1:
                return False
    return depth == 0


def _top_level(text: str) -> str:
    """The characters of ``text`` outside any brackets."""
    out, depth = [], 0
    for ch in text:
        if ch in _OPEN_CHARS:
            depth += 1
        elif ch in _CLOSE_CHARS:
            depth = max(depth - 1, 0)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def needs_parens(text: str, *, allow_leading_minus: bool = False) -> bool:
    """Would ``text`` change meaning next to ``/`` or ``√``? ``a+b`` yes, ``2a`` no, ``(a+b)`` no."""
    text = visible(text).strip()
    if len(text) <= 1 or bracketed(text):
        return False
    if allow_leading_minus and text[0] in "-−":
        text = text[1:]
    top = re.sub(r"(?<=\d),(?=\d{3})", "", _top_level(text))
    return any(ch in _OPERATOR_CHARS for ch in top)


_FUNCTION_NAMES = set("fghpqrFGHPQRφστΓζψ")
"""One-letter names that usually stand for a function in competition solutions (``1/f(x)``)."""
_ATOMIC = re.compile(r"(\d+(\.\d+)?|\.\d+|[^\W\d_]|[∞π∅ℝℤℕℚℂ])")


def is_atomic(text: str) -> bool:
    """One number or one symbol (with scripts, primes, accents): safe after ``/`` and as a script base."""
    text = "".join(ch for ch in visible(text).strip() if not _is_mark(ch))
    if not text:
        return True
    if bracketed(text):
        return True
    core = text.rstrip("".join(_SCRIPT_CHARS))
    if bracketed(core):
        return True
    if core.startswith("√") or core[:1] in "∛∜":
        rest = core.lstrip("√∛∜")
        return bool(rest) and (is_atomic(rest))
    call = re.fullmatch(r"([^\W\d_]+)(\(.*\))", core)
    if call and bracketed(call.group(2)):
        # f(x), P(B), sin(x), φ(n) are one operand; c(2b - a) and n(n+1) are products: 1/(n(n+1))
        return call.group(1) in _FUNCTION_NAMES or call.group(1) in sym.FUNCTIONS
    if "^" in core and not needs_parens(core):
        base, _, exp = core.partition("^")
        return is_atomic(base) and is_atomic(exp)
    return bool(_ATOMIC.fullmatch(core))


def _is_mark(ch: str) -> bool:
    return unicodedata.combining(ch) != 0


def finalize(text: str) -> str:
    """Collapse soft spaces, keep hard ones, tidy spaces inside brackets and before punctuation."""

    def spaces(match: re.Match[str]) -> str:
        hard = match.group(0).count(HARD)
        return " " * hard if hard else " "

    text = re.sub(f"[ {SOFT}{HARD}]+", spaces, text)
    text = re.sub(r"(?<=[(\[{⌊⌈⟨]) (?=\S)", "", text)
    text = re.sub(r"(?<=\S) (?=[)\]}⌋⌉⟩,;.!])", "", text)
    return text


def flatten(item: str | Box) -> str:
    """A box as one line, its rows joined with ``; ``."""
    if isinstance(item, Box):
        return "; ".join(line.strip() for line in item.lines if line.strip())
    return item


def trim(box: Box) -> Box:
    """The box without trailing spaces on its lines."""
    return Box([line.rstrip() for line in box.lines], box.base)


def script(text: str, convert: Callable[[str], str | None], marker: str) -> str:
    """``text`` as a script: Unicode script characters where they all exist, else ``^(…)`` or ``_(…)``."""
    if marker == "^":
        special = {
            "∘": "°",
            "°": "°",
            "′": "′",
            "′′": "″",
            "′′′": "‴",
            "†": "†",
            "⊤": "ᵀ",
            "∗": "∗",
            "⋆": "⋆",
            "ᵀ": "ᵀ",
        }
        if text in special:
            return special[text]
    converted = convert(visible(text))
    if converted is not None:
        return converted
    if len(visible(text)) == 1 or re.fullmatch(r"\d+", text) or bracketed(visible(text)):
        return marker + text  # x_b, x^((a+b)) would double the brackets
    text = re.sub(r"\s*([=→<>≤≥+−-])\s*", r"\1", text)
    return f"{marker}({text})"


def char_atom(ch: str) -> Atom:
    """One character of math source as an atom."""
    if ch in "([":
        return Atom(ch, "open")
    if ch in ")]":
        return Atom(ch, "close")
    if ch == "'":
        return Atom("′", "ord")
    if ch == "`":
        return Atom("‘", "ord")
    if ch == "*":
        return Atom("∗", "lit")
    if ch == "-":
        return Atom("-", "lit", unary=True)
    if ch == ".":
        return Atom(ch, "punct")
    if ch in "+=<>,;:/|!?":
        return Atom(ch, "ord" if ch == "!" else "lit")
    return Atom(ch, "ord")
