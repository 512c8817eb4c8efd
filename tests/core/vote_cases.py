"""Realistic sets of sample answers for one question, and how a vote must group them.

Each case lists the samples' final answers (None: no final answer) and the expected groups as sets
of sample indexes, the largest first, with the winning group's shown answer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VoteCase:
    name: str
    finals: tuple[str | None, ...]
    groups: tuple[frozenset[int], ...]
    winner: str


def case(name: str, finals: list[str | None], groups: list[set[int]], winner: str) -> VoteCase:
    return VoteCase(name, tuple(finals), tuple(frozenset(g) for g in groups), winner)


VOTE_CASES: tuple[VoteCase, ...] = (
    case(
        "units",
        ["12 \\text{ m}", "12\\,\\text{meters}", "12", "12 \\text{ meters}", "15"],
        [{0, 1, 2, 3}, {4}],
        "12 \\text{ meters}",
    ),
    case(
        "area units",
        ["12\\text{ cm}^2", "12", "12 \\text{ square units}", "12 \\text{ cm}^2", "24"],
        [{0, 1, 2, 3}, {4}],
        "12\\text{ cm}^2",
    ),
    case("money", ["\\$12", "12 \\text{ dollars}", "12", "12.50"], [{0, 1, 2}, {3}], "12"),
    case("percent", ["35\\%", "35 percent", "35\\%", "30\\%", "35\\text{\\%}"], [{0, 1, 2, 4}, {3}], "35\\%"),
    case(
        "fraction and decimal",
        ["\\dfrac{15}{8}", "1.875", "\\frac{15}{8}", "\\frac{8}{15}", "\\tfrac{15}{8}"],
        [{0, 1, 2, 4}, {3}],
        "\\frac{15}{8}",
    ),
    case("equation and value", ["x=3", "3", "x = 3", "x=-3", "3"], [{0, 1, 2, 4}, {3}], "3"),
    case("thousands", ["1{,}000", "1000", "1,000", "999", "1000"], [{0, 1, 2, 4}, {3}], "1000"),
    case("decimal comma", ["1,5", "1.5", "\\frac{3}{2}", "1{,}5", "2.5"], [{0, 1, 2, 3}, {4}], "1.5"),
    case(
        "a pair is not a number",
        ["14, 205", "14205", "(14, 205)", "14,205", "14, 205"],
        [{0, 2, 4}, {1, 3}],
        "14, 205",
    ),
    case(
        "multi-part, any order",
        ["3, -5", "-5, 3", "x = 3 \\text{ or } x = -5", "3", "-5, 3"],
        [{0, 1, 2, 4}, {3}],
        "-5, 3",
    ),
    case(
        "ordered pairs",
        ["(1,4), (4,1)", "(4,1), (1,4)", "(1, 4)", "(1,4),(4,1)"],
        [{0, 1, 3}, {2}],
        "(1,4),(4,1)",
    ),
    case(
        "AIME integers",
        ["070", "70", "72", None, "70.0", "72", "70", None],
        [{0, 1, 4, 6}, {2, 5}],
        "70",
    ),
    case("degrees", ["45^\\circ", "45", "45^{\\circ}", "\\frac{\\pi}{4}"], [{0, 1, 2}, {3}], "45"),
    case(
        "radicals",
        ["\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}", "\\sqrt{2}/2", "0.7071"],
        [{0, 1, 2}, {3}],
        "\\frac{1}{\\sqrt{2}}",
    ),
    case(
        "no solution",
        ["\\text{no solution}", "\\text{No solution}", "\\text{no solution}", "4"],
        [{0, 1, 2}, {3}],
        "\\text{no solution}",
    ),
    case("a tie goes to the smaller integer", ["15", "12", "15", "12"], [{1, 3}, {0, 2}], "12"),
    case(
        "a percent links its two readings",
        ["35", "35\\%", "0.35", "7"],
        [{0, 1, 2}, {3}],
        "35",
    ),
)
