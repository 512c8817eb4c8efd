"""Pure: the placeholder prose of the simulated chain of thought (paragraphs, numbers, LaTeX)."""

from __future__ import annotations

import random
from collections.abc import Iterator

from mathbot.sim.problems import normalize
from mathbot.sim.tokens import SPECIAL_IDS, THINK_CLOSE, THINK_OPEN

NOTICE = "(Simulated reasoning — mathbot's TGI simulator, not a real model.)"
"""First line of every simulated chain of thought, so nobody mistakes it for the model."""

EXCERPT_CHARS = 100
"""How much of the problem the reasoning quotes back."""

PARAGRAPHS = (
    "Let me try small cases first. Take $n = {a}$: then $n^2 = {a2}$ and $n^2 + {b} = {a2b}$. "
    "With $n = {c}$ instead, $n^2 = {c2}$. Nothing contradictory yet.",
    "Maybe an algebraic route is cleaner. Write $x + y = {s}$ and $xy = {p}$, so "
    "$x^2 + y^2 = (x+y)^2 - 2xy = {s2} - {p2} = {q}$.",
    "Wait, let me double-check that arithmetic: ${s}^2 = {s2}$ and $2 \\cdot {p} = {p2}$, "
    "so the difference is ${q}$. Yes, that holds.",
    "Consider the ratio $\\frac{{{ag}}}{{{bg}}}$. Since $\\gcd({ag}, {bg}) = {g}$, it reduces to "
    "$\\frac{{{a}}}{{{b}}}$, which is already in lowest terms.",
    "Hmm, another approach: work modulo ${m}$. We have ${a2b} \\equiv {r} \\pmod{{{m}}}$, "
    "which restricts the possible residues.",
    "Let me set up the key equation:\n\\[\n{k}t^2 - {l}t + {c} = 0,\n\\]\n"
    "whose discriminant is $\\Delta = {l}^2 - 4 \\cdot {k} \\cdot {c} = {disc}$.",
    "Alternatively, a symmetry argument: swapping $a$ and $b$ leaves $a^2 + b^2 + {k}ab$ unchanged, "
    "so I may assume $a \\le b$ without loss of generality.",
    "I should be careful about edge cases: $n = 0$ and $n = 1$ give degenerate values, "
    "so they are excluded from the count.",
    "Actually, I think I slipped earlier. Recomputing, $\\sqrt{{{a2}}} = {a}$ and ${a} \\cdot {b} = {ab}$, "
    "so the earlier step was fine after all.",
    "So far every check is consistent. Let me go over the constraints once more before committing.",
)


def _excerpt(problem: str) -> str:
    text = normalize(problem)
    for marker in (*SPECIAL_IDS, THINK_OPEN, THINK_CLOSE):
        text = text.replace(marker, " ")
    if len(text) > EXCERPT_CHARS:
        text = text[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"
    return text


def numbers(rng: random.Random) -> dict[str, int]:
    a, b, c = rng.randint(2, 19), rng.randint(3, 23), rng.randint(2, 12)
    s, p, g, m = rng.randint(5, 30), rng.randint(2, 60), rng.randint(2, 9), rng.choice((7, 9, 11, 13))
    k, ll = rng.randint(2, 7), rng.randint(10, 40)
    b += b == a
    c += c == a
    return {
        "a": a, "b": b, "c": c, "a2": a * a, "c2": c * c, "a2b": a * a + b, "ab": a * b,
        "s": s, "p": p, "s2": s * s, "p2": 2 * p, "q": s * s - 2 * p,
        "g": g, "ag": a * g, "bg": b * g, "m": m, "r": (a * a + b) % m,
        "k": k, "l": ll, "disc": ll * ll - 4 * k * c,
    }  # fmt: skip


def reasoning_paragraphs(problem: str, rng: random.Random) -> Iterator[str]:
    """Endless simulated reasoning: the notice, a restatement, then varied paragraphs with LaTeX."""
    yield NOTICE
    excerpt = _excerpt(problem)
    if excerpt:
        yield f"Let me restate what is asked: {excerpt} So I need to pin down a single value."
    else:
        yield "The message is empty, so I will treat it as a generic question."
    deck: list[str] = []
    while True:
        if not deck:  # go through every template before repeating one
            deck = rng.sample(PARAGRAPHS, len(PARAGRAPHS))
        yield deck.pop().format(**numbers(rng))
