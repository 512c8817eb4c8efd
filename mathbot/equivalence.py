"""Whether two final answers are the same mathematics: the one comparison of votes, eval and /check.

Two answers are the same when:

1. their canonical spellings are equal (`canonical`: spacing, `\\left`, `\\dfrac`, `\\text{}`
   wrappers, degrees, `{,}` separators and leading zeros aside: AIME's `070` is `70`), or
2. both are plain numbers and some reading of one equals some reading of the other (exactly, as
   fractions: no child process for AIME integers), or
3. math-verify, given each answer *as the model wrote it* (units, `\\%`, words kept apart from the
   numbers), says so in both directions: its `verify(gold, target)` is one-directional (`2x+z=1`
   "equals" `1` only one way), and a grouping must not depend on which answer came first.

Readings: a bare decimal comma (`1,5`, no space, not three digits after it) may be a decimal or a
list of two numbers, so it is read both ways and agrees with `1.5` and with `1, 5`; `1{,}5` is a
decimal; `1,000` and `1{,}000` are a thousand; `14, 205` (with a space) is a pair, never 14205. A
list whose values are all equal (`\\frac{1}{2}, 0.5`: one answer boxed in two forms) also reads as
that one value.

math-verify bounds its work with SIGALRM, the signal RQ uses for job timeouts: it runs only in a
forked child (`mathbot.forked.call`) under a deadline. Where that child fails or runs out of time
the comparisons it did not finish are undecided (None): callers fall back to rules 1-2.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from mathbot import forked

log = logging.getLogger(__name__)

VERIFY_DEADLINE = 30.0
"""Seconds the math-verify child may take for one batch of comparisons (a tally, a grading)."""

VERIFY_TIMEOUT = 5
"""math-verify's own per-call timeout (parse and verify), seconds, inside the child process."""

_OUTER = re.compile(r"^\s*(?:\$+|\\\(|\\\[)(.*?)(?:\$+|\\\)|\\\])\s*$", re.DOTALL)
_WHOLE_BOX = re.compile(r"^\\(?:boxed|fbox)\s*\{(.*)\}$", re.DOTALL)
_TEXT = re.compile(r"\\(?:text|textrm|textbf|textit|mathrm|mathbf|mbox|operatorname)\s*\{([^{}]*)\}")
_SIZING = re.compile(r"\\(?:left|right|big|Big|bigg|Bigg)(?![a-zA-Z])|\\displaystyle")
_SPACING = re.compile(r"\\[,;:! ]|\\q?quad(?![a-zA-Z])|~")
_DEGREES = re.compile(r"\^\s*\{?\\circ\}?|°")
_TEX_THOUSANDS = re.compile(r"(?<=\d)\{,\}(?=\d{3}(?!\d))")
_TEX_DECIMAL = re.compile(r"(?<=\d)\{,\}(?=\d)")
_PAIR_COMMA = re.compile(r"(?<=\d),\s+(?=\d)")
_INTEGER = re.compile(r"[+]?0*(\d+)(?:\.0+)?")
_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+")
_DECIMAL_COMMA = re.compile(r"([-+]?\d+),(\d{1,2}|\d{4,})")


def _bare(answer: str) -> str:
    """The answer without surrounding math delimiters or a whole `\\boxed{}`, `{,}` resolved."""
    text = answer.strip()
    for pattern in (_OUTER, _WHOLE_BOX, _OUTER):
        match = pattern.match(text)
        if match:
            text = match.group(1).strip()
    text = _TEX_THOUSANDS.sub("", text)
    return _TEX_DECIMAL.sub(".", text)


def canonical(answer: str) -> str:
    """A canonical spelling: two answers with the same one are the same answer (cheap, exact)."""
    text = _TEXT.sub(r"\1", _bare(answer))
    text = _SPACING.sub(" ", _SIZING.sub("", text))
    text = _DEGREES.sub("", text)
    text = re.sub(r"\\[dtc]frac(?![a-zA-Z])", r"\\frac", text)
    text = _PAIR_COMMA.sub(",\0", text)  # `14, 205` is a pair: keep the space that says so
    text = re.sub(r"\s+", "", text).replace("\0", " ").rstrip(".").strip("$")
    if _NUMBER.fullmatch(text) and "," in text and " " not in text:
        text = text.replace(",", "")  # a thousands separator
    integer = _INTEGER.fullmatch(text)
    return str(int(integer.group(1))) if integer else text


def readings(answer: str) -> tuple[str, ...]:
    """The LaTeX forms math-verify is given for `answer`: as written (delimiters, a whole box and
    `{,}` resolved), and for a bare decimal comma the decimal too."""
    text = " ".join(_bare(answer).split())
    comma = _DECIMAL_COMMA.fullmatch(text)
    return (text, f"{comma.group(1)}.{comma.group(2)}") if comma else (text,)


def _number(reading: str) -> Fraction | None:
    return Fraction(reading.replace(",", "")) if _NUMBER.fullmatch(reading) else None


@dataclass(frozen=True)
class _Prepared:
    key: str
    forms: tuple[str, ...]
    numbers: frozenset[Fraction]
    plain: bool
    """Every reading is a plain number: two plain answers are decided without math-verify."""


def _prepare(answer: str) -> _Prepared:
    forms = readings(answer)
    numbers = [_number(form) for form in forms]
    return _Prepared(
        canonical(answer),
        forms,
        frozenset(n for n in numbers if n is not None),
        all(n is not None for n in numbers),
    )


def _quick(a: _Prepared, b: _Prepared) -> bool | None:
    """Rules 1-2: True or False where they decide, None where only math-verify can tell."""
    if a.key == b.key or a.numbers & b.numbers:
        return True
    if a.plain and b.plain:
        return False
    return None


Same = Callable[[str, str], bool]


def linked(answers: Sequence[str], same: Same) -> list[int]:
    """Component labels of `answers` under `same` (a chain of equal answers links a group): label i
    is the smallest index of i's component, so the result depends on the answers, not on how the
    pairs were visited. A pair already linked is not compared again."""
    parent = list(range(len(answers)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for j in range(len(answers)):
        for i in range(j):
            a, b = root(i), root(j)
            if a != b and same(answers[i], answers[j]):
                parent[max(a, b)] = min(a, b)
    return [root(i) for i in range(len(answers))]


def _verifier() -> Callable[[_Prepared, _Prepared], bool]:
    """In the child: math-verify in both directions, each reading parsed once."""
    from math_verify import parse, verify
    from sympy import FiniteSet

    parsed: dict[str, list[object]] = {}

    def both_ways(left: object, right: object) -> bool:
        options = {"timeout_seconds": VERIFY_TIMEOUT, "allow_set_relation_comp": True}
        return bool(verify(left, right, **options) and verify(right, left, **options))

    def one_value(candidates: list[object]) -> list[object]:
        """A list of equal values (`\\frac{1}{2}, 0.5`: one answer written two ways) also reads as
        that value."""
        for value in candidates:
            if isinstance(value, FiniteSet) and len(value.args) > 1:
                first, *rest = value.args
                if all(both_ways(first, other) for other in rest):
                    return [*candidates, first]
        return candidates

    def forms(answer: _Prepared) -> list[list[object]]:
        for form in answer.forms:
            if form not in parsed:
                parsed[form] = one_value(parse(f"${form}$", parsing_timeout=VERIFY_TIMEOUT))
        return [parsed[form] for form in answer.forms if parsed[form]]

    def same(a: _Prepared, b: _Prepared) -> bool:
        decided = _quick(a, b)
        if decided is not None:
            return decided
        return any(both_ways(x, y) for x in forms(a) for y in forms(b))

    return same


def _child_linked(answers: list[str]) -> list[int]:
    prepared = [_prepare(a) for a in answers]
    same = _verifier()
    by_answer = dict(zip(answers, prepared, strict=True))
    return linked(answers, lambda a, b: same(by_answer[a], by_answer[b]))


def _child_compare(pairs: list[tuple[str, str]]) -> list[bool]:
    same = _verifier()
    return [same(_prepare(a), _prepare(b)) for a, b in pairs]


def partition(
    answers: Sequence[str], *, same: Same | None = None, deadline: float = VERIFY_DEADLINE
) -> list[int]:
    """Component labels (see `linked`) of distinct `answers` under the comparison above; `same`
    replaces it (tests). Where math-verify is needed but its child fails, only rules 1-2 link."""
    answers = list(answers)
    if same is not None:
        return linked(answers, same)
    prepared = {a: _prepare(a) for a in answers}
    if all(_quick(prepared[a], prepared[b]) is not None for i, b in enumerate(answers) for a in answers[:i]):
        return linked(answers, lambda a, b: bool(_quick(prepared[a], prepared[b])))
    try:
        return forked.call(_child_linked, answers, deadline=deadline, name="mathbot-verify")
    except forked.ChildFailed as exc:
        log.warning("math-verify failed (%s): answers compared by their canonical spelling only", exc)
        return linked(answers, lambda a, b: bool(_quick(prepared[a], prepared[b])))


def compare(pairs: Sequence[tuple[str, str]], *, deadline: float = VERIFY_DEADLINE) -> list[bool | None]:
    """For each (a, b): whether they are the same answer; None where only math-verify could tell and
    its child failed or ran out of time (one child for the whole batch)."""
    quick = [_quick(_prepare(a), _prepare(b)) for a, b in pairs]
    open_pairs = [pair for pair, decided in zip(pairs, quick, strict=True) if decided is None]
    if not open_pairs:
        return list(quick)
    try:
        verdicts = iter(forked.call(_child_compare, open_pairs, deadline=deadline, name="mathbot-verify"))
    except forked.ChildFailed as exc:
        log.warning("math-verify failed (%s): %d comparisons undecided", exc, len(open_pairs))
        return list(quick)
    return [next(verdicts) if decided is None else decided for decided in quick]


def same_answer(a: str, b: str, *, deadline: float = VERIFY_DEADLINE) -> bool:
    """Whether `a` and `b` are the same mathematics (symmetric; False where it cannot be decided)."""
    return bool(compare([(a, b)], deadline=deadline)[0])


def grade(given: str | None, official: str, *, deadline: float = VERIFY_DEADLINE) -> bool:
    """Whether a final answer (None: there was none) matches the official answer."""
    return grade_all([given], official, deadline=deadline)[0]


def grade_all(
    givens: Sequence[str | None], official: str, *, deadline: float = VERIFY_DEADLINE
) -> list[bool]:
    """`grade` for several answers to one problem (one child process for all of them); an answer
    that could not be decided is graded wrong, and a warning is logged."""
    present = [(given, official) for given in givens if given is not None and given.strip()]
    verdicts = iter(compare(present, deadline=deadline))
    return [bool(next(verdicts)) if given is not None and given.strip() else False for given in givens]
