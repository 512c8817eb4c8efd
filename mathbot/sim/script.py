"""Pure: the R1-shaped text the simulated model writes for a problem, cut into tokens like TGI would."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from mathbot.sim.problems import Problem, normalize
from mathbot.sim.tokens import EOS, SPECIAL_IDS, THINK_CLOSE, THINK_OPEN, count_tokens, token_id, tokenize

NOTICE = "(Simulated reasoning — mathbot's TGI simulator, not a real model.)"
"""First line of every simulated chain of thought, so nobody mistakes it for the model."""

BOXED = "\\boxed"
"""A known sample answer that holds boxes itself (`\\boxed{3} \\text{ or } \\boxed{-5}`) is written as is."""

EXCERPT_CHARS = 100
"""How much of the problem the reasoning quotes back."""

LENGTH_JITTER = 0.15
"""The reasoning length varies by up to this fraction with the seed, as sampled outputs do."""

PARTS = ("reasoning", "marker", "content", "eos")
"""Where a token belongs: the chain of thought, the `</think>` marker, the solution, the end token."""

_PARAGRAPHS = (
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


class Piece(NamedTuple):
    """One generated token and the part of the output it belongs to (one of PARTS)."""

    id: int
    text: str
    special: bool
    part: str


@dataclass(frozen=True)
class Script:
    """What the simulated model writes: a chain of thought and a solution with a boxed answer."""

    reasoning: str
    solution: str
    answer: str


@dataclass(frozen=True)
class Plan:
    """The tokens a generation will emit and why it ends ("eos_token", "length", "stop_sequence")."""

    pieces: tuple[Piece, ...]
    finish_reason: str
    answer: str


def hashed_answer(problem: str) -> str:
    """A stand-in answer, 0-999, fixed for a problem (whatever the seed)."""
    digest = hashlib.sha256(normalize(problem).encode()).hexdigest()
    return str(int(digest, 16) % 1000)


def _excerpt(problem: str) -> str:
    text = normalize(problem)
    for marker in (*SPECIAL_IDS, THINK_OPEN, THINK_CLOSE):
        text = text.replace(marker, " ")
    if len(text) > EXCERPT_CHARS:
        text = text[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"
    return text


def _numbers(rng: random.Random) -> dict[str, int]:
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
            deck = rng.sample(_PARAGRAPHS, len(_PARAGRAPHS))
        yield deck.pop().format(**_numbers(rng))


def _solution(
    answer: str, known: Problem | None, rng: random.Random, wrong: bool = False, steps: int = 0
) -> str:
    numbers = _numbers(rng)
    more = "".join(rng.choice(_PARAGRAPHS).format(**_numbers(rng)) + "\n\n" for _ in range(steps))
    where = (
        "the boxed answer is deliberately wrong (a simulated sampling error, see --accuracy)"
        if wrong
        else f"the boxed answer is the official one ({known.source} #{known.id})"
        if known
        else "the boxed answer is a stand-in derived from a hash of the problem"
    )
    return (
        "**Simulated solution.** This text comes from mathbot's TGI simulator, not from Fathom-R1-14B: "
        f"the steps are placeholders and {where}.\n\n"
        "Let $x$ be the quantity asked for. The simulated analysis reduces the problem to\n"
        "\\[\n"
        f"x^2 - {numbers['s']}x + {numbers['p']} = 0 \\quad\\Longrightarrow\\quad "
        f"x = \\frac{{{numbers['s']} \\pm \\sqrt{{{numbers['s']}^2 - 4 \\cdot {numbers['p']}}}}}{{2}},\n"
        "\\]\n"
        "and checking the constraints of the problem singles out one value.\n\n"
        f"{more}The final answer is ${answer if BOXED in answer else f'{BOXED}{{{answer}}}'}$."
    )


def wrong_answer(answer: str, rng: random.Random) -> str:
    """A plausible wrong answer: a nearby integer (0-999 for AIME-sized ones), else the answer plus one."""
    if answer.isdigit():
        value = int(answer)
        wrong = value + rng.choice([-1, 1]) * rng.randint(1, 40)
        return str(wrong % 1000 if value < 1000 else abs(wrong))
    return f"{answer} + 1"


def write_script(
    problem: str,
    *,
    known: Problem | None,
    seed_key: str,
    reasoning_tokens: int,
    endless: int = 0,
    accuracy: float = 1.0,
    solution_paragraphs: int = 0,
) -> Script:
    """The text for `problem`; the same problem and seed key always give the same text.

    With `endless` > 0 the reasoning never concludes: it runs to at least that many tokens and the
    solution is empty (the `no_answer` fault). With `accuracy` < 1, that share of seeds box the right
    answer and the others a wrong one (greedy requests, seed key "greedy", are always right). A known
    problem with sample answers (`sim_answers`) boxes them in turn by seed instead.
    `solution_paragraphs` more paragraphs of steps make the solution that much longer.
    """
    rng = random.Random(f"{normalize(problem)}|{seed_key}")
    answer = known.answer if known else hashed_answer(problem)
    luck = random.Random(f"{normalize(problem)}|{seed_key}|answer")  # apart: the text stays the same
    wrong = seed_key != "greedy" and luck.random() >= accuracy
    if wrong:
        answer = wrong_answer(answer, luck)
    if known and known.samples and seed_key.startswith("seed:"):  # a known mix instead of luck
        answer = known.samples[int(seed_key.removeprefix("seed:")) % len(known.samples)]
        wrong = answer != known.answer
    target = endless or round(reasoning_tokens * (1 + rng.uniform(-LENGTH_JITTER, LENGTH_JITTER)))
    paragraphs: list[str] = []
    used = 0
    for paragraph in reasoning_paragraphs(problem, rng):
        if used >= target and len(paragraphs) >= 2:
            break
        paragraphs.append(paragraph)
        used += count_tokens(paragraph) + 1
    if endless:
        return Script("\n\n".join(paragraphs), "", answer)
    said = answer.replace(BOXED, "")  # the reasoning boxes nothing
    paragraphs.append(f"Putting everything together, the answer should be ${said}$. Let me write it up.")
    solution = _solution(answer, known, rng, wrong, solution_paragraphs)
    return Script("\n\n".join(paragraphs), solution, answer)


def _pieces(text: str, part: str) -> list[Piece]:
    return [Piece(t.id, t.text, t.special, part) for t in tokenize(text)]


def script_pieces(script: Script, shape: str) -> list[Piece]:
    """The script as the model would emit it, ending with the end-of-sentence token.

    "r1": starts inside the reasoning (the template opened `<think>`); "tags": opens `<think>` itself;
    "split": same tokens as "r1", the server routes the parts to different fields.
    """
    opening = THINK_OPEN + "\n" if shape == "tags" else ""
    pieces = _pieces(opening + script.reasoning + "\n", "reasoning")
    if script.solution:
        pieces += _pieces(THINK_CLOSE, "marker") + _pieces("\n\n" + script.solution, "content")
        pieces.append(Piece(token_id(EOS), EOS, True, "eos"))
    return pieces


def _cut_at_stop(pieces: list[Piece], stop: tuple[str, ...]) -> list[Piece] | None:
    text = "".join(p.text for p in pieces if p.part != "eos")
    ends = [text.find(s) + len(s) for s in stop if s and s in text]
    if not ends:
        return None
    end, offset, kept = min(ends), 0, []
    for piece in pieces:
        if offset >= end:
            break
        kept.append(piece)
        offset += len(piece.text)
    return kept


def plan_generation(
    problem: str,
    *,
    known: Problem | None,
    seed_key: str,
    reasoning_tokens: int,
    shape: str,
    max_new_tokens: int,
    stop: tuple[str, ...] = (),
    no_answer: bool = False,
    accuracy: float = 1.0,
    solution_paragraphs: int = 0,
) -> Plan:
    """Everything a generation will emit, cut by stop sequences and `max_new_tokens` like TGI."""
    endless = max_new_tokens + 1 if no_answer else 0
    script = write_script(
        problem,
        known=known,
        seed_key=seed_key,
        reasoning_tokens=reasoning_tokens,
        endless=endless,
        accuracy=accuracy,
        solution_paragraphs=solution_paragraphs,
    )
    pieces = script_pieces(script, shape)
    finish = "eos_token"
    stopped = _cut_at_stop(pieces, stop)
    if stopped is not None:
        pieces, finish = stopped, "stop_sequence"
    if len(pieces) > max_new_tokens:
        pieces, finish = pieces[:max_new_tokens], "length"
    return Plan(tuple(pieces), finish, script.answer)
