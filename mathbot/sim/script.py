"""Pure: the R1-shaped text the simulated model writes for a problem, cut into tokens like TGI would."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import NamedTuple

from mathbot.sim import prose
from mathbot.sim.problems import Problem, normalize
from mathbot.sim.prose import NOTICE as NOTICE  # re-exported: the notice opening every reasoning
from mathbot.sim.prose import reasoning_paragraphs
from mathbot.sim.tokens import EOS, THINK_CLOSE, THINK_OPEN, count_tokens, token_id, tokenize

BOXED = "\\boxed"
"""A known sample answer that holds boxes itself (`\\boxed{3} \\text{ or } \\boxed{-5}`) is written as is."""

LENGTH_JITTER = 0.15
"""The reasoning length varies by up to this fraction with the seed, as sampled outputs do."""

PARTS = ("reasoning", "marker", "content", "eos")
"""Where a token belongs: the chain of thought, the `</think>` marker, the solution, the end token."""


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


def _solution(
    answer: str,
    known: Problem | None,
    rng: random.Random,
    wrong: bool = False,
    rushed: bool = False,
    steps: int = 0,
) -> str:
    numbers = prose.numbers(rng)
    more = "".join(rng.choice(prose.PARAGRAPHS).format(**prose.numbers(rng)) + "\n\n" for _ in range(steps))
    opening = (
        "**Simulated conclusion, written after the reasoning was cut short.** "
        if rushed
        else "**Simulated solution.** "
    )
    where = (
        "the boxed answer is deliberately wrong (a simulated sampling error, see --accuracy)"
        if wrong
        else f"the boxed answer is the official one ({known.source} #{known.id})"
        if known
        else "the boxed answer is a stand-in derived from a hash of the problem"
    )
    return (
        f"{opening}This text comes from mathbot's TGI simulator, not from Fathom-R1-14B: "
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
    solution = _solution(answer, known, rng, wrong, steps=solution_paragraphs)
    return Script("\n\n".join(paragraphs), solution, answer)


def runs_long(problem: str, seed_key: str, share: float) -> bool:
    """Whether this generation's reasoning never concludes (the `truncate_share` of them), fixed per
    problem and seed like the right/wrong draw."""
    return share > 0 and random.Random(f"{normalize(problem)}|{seed_key}|long").random() < share


def write_conclusion(problem: str, *, known: Problem | None, seed_key: str, accuracy: float = 1.0) -> Script:
    """What the simulated model writes once its reasoning was closed for it (budget forcing): no more
    reasoning, a short solution and the boxed answer, right or wrong by the same draw as a full answer."""
    full = write_script(problem, known=known, seed_key=seed_key, reasoning_tokens=0, accuracy=accuracy)
    rng = random.Random(f"{normalize(problem)}|{seed_key}|conclusion")
    wrong = full.answer != (known.answer if known else hashed_answer(problem))
    return Script("", _solution(full.answer, known, rng, wrong, rushed=True), full.answer)


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


IGNORED_LIMIT_FACTOR = 4
"""A server ignoring `max_new_tokens` (the `ignore_max_tokens` fault) still stops somewhere: after this
many times the limit (plus IGNORED_LIMIT_SLACK), so a client without its own guard ends eventually."""

IGNORED_LIMIT_SLACK = 1000

IGNORE_KINDS = ("whitespace", "think")
"""How a server ignoring `max_new_tokens` runs on: endless blanks, or an endless chain of thought."""


def _ignoring(script: Script, shape: str, kind: str, max_new_tokens: int) -> list[Piece]:
    """Tokens of a generation that never stops by itself, up to the fault's hard cap."""
    cap = IGNORED_LIMIT_FACTOR * max_new_tokens + IGNORED_LIMIT_SLACK
    head = script_pieces(Script(script.reasoning, "", script.answer), shape)
    if kind == "whitespace":
        head = head[: min(len(head), 50)]
        blank = Piece(token_id("\n\n"), "\n\n", False, "reasoning")
        return (head + [blank] * cap)[:cap]
    return head[:cap]


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
    truncate_share: float = 0.0,
    concluding: bool = False,
    ignore_max_tokens: str = "",
) -> Plan:
    """Everything a generation will emit, cut by stop sequences and `max_new_tokens` like TGI.

    `concluding`: the prompt already holds the closed reasoning (a budget-forcing continuation), so the
    model writes only its conclusion. `ignore_max_tokens` ("whitespace" or "think"): a broken server
    that runs past `max_new_tokens` (see `_ignoring`).
    """
    if concluding:
        script = write_conclusion(problem, known=known, seed_key=seed_key, accuracy=accuracy)
        pieces = [*_pieces(script.solution, "content"), Piece(token_id(EOS), EOS, True, "eos")]
        return _cut(pieces, stop, max_new_tokens, script.answer)
    long = no_answer or ignore_max_tokens or runs_long(problem, seed_key, truncate_share)
    cap = IGNORED_LIMIT_FACTOR * max_new_tokens + IGNORED_LIMIT_SLACK if ignore_max_tokens else max_new_tokens
    script = write_script(
        problem,
        known=known,
        seed_key=seed_key,
        reasoning_tokens=reasoning_tokens,
        endless=cap + 1 if long else 0,
        accuracy=accuracy,
        solution_paragraphs=solution_paragraphs,
    )
    if ignore_max_tokens:
        pieces = _ignoring(script, shape, ignore_max_tokens, max_new_tokens)
        return Plan(tuple(pieces), "length", script.answer)
    return _cut(script_pieces(script, shape), stop, max_new_tokens, script.answer)


def _cut(pieces: list[Piece], stop: tuple[str, ...], max_new_tokens: int, answer: str) -> Plan:
    finish = "eos_token"
    stopped = _cut_at_stop(pieces, stop)
    if stopped is not None:
        pieces, finish = stopped, "stop_sequence"
    if len(pieces) > max_new_tokens:
        pieces, finish = pieces[:max_new_tokens], "length"
    return Plan(tuple(pieces), finish, answer)
