"""A corpus of R1-style solution endings (the text after `</think>`) and the final answer each one gives.

Written the way DeepSeek-R1 and its distills end their answers: a short summary of the steps, then
"**Final Answer**" or "Thus, the answer is …", one box or several. `expected` is the tuple of box
contents that make the final answer (empty: no final answer). Run `python -m tests.core.endings`
for the before/after table (the last box alone vs the concluding statement's boxes).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ending:
    name: str
    text: str
    expected: tuple[str, ...]


ENDINGS: tuple[Ending, ...] = (
    # --- one box, the common case -------------------------------------------------------------
    Ending(
        "single display box",
        r"""To find the remainder, we reduce modulo $1000$ and combine the two congruences.

**Final Answer**
\[
\boxed{70}
\]""",
        ("70",),
    ),
    Ending(
        "inline final answer sentence",
        r"Combining the cases, the number of valid colorings is $3 \cdot 2^{4} = 48$. "
        r"Therefore, the final answer is $\boxed{48}$.",
        ("48",),
    ),
    Ending(
        "paren delimiters",
        r"Hence the minimum value is \(\boxed{\dfrac{15}{8}}\).",
        (r"\dfrac{15}{8}",),
    ),
    Ending(
        "text after the last box",
        r"""Thus, the answer is $\boxed{204}$.

I hope this helps! Let me know if you have any questions about the steps above.""",
        ("204",),
    ),
    Ending(
        "boxed twice, same answer",
        r"""So the sum of the digits is $\boxed{16}$.

**Final Answer**
\boxed{16}""",
        ("16",),
    ),
    Ending(
        "nested braces",
        r"The area is $\boxed{\frac{a^{2}\sqrt{3}}{4}}$ square units.",
        (r"\frac{a^{2}\sqrt{3}}{4}",),
    ),
    Ending("fbox", r"The answer is \fbox{42}.", ("42",)),
    Ending("braceless box", r"Therefore the answer is $\boxed 5$.", ("5",)),
    Ending("box of a box", r"\[\boxed{\boxed{12}}\]", ("12",)),
    Ending("set braces inside", r"The solution set is $\boxed{\{1, 2\}}$.", (r"\{1, 2\}",)),
    Ending(
        "equation in the box",
        r"""Solving the linear equation gives $x = 3$.

**Final Answer**
\[
\boxed{x=3}
\]""",
        ("x=3",),
    ),
    Ending("units in the box", r"The rope is $\boxed{12 \text{ m}}$ long.", (r"12 \text{ m}",)),
    Ending("units after the box", r"So the tank holds $\boxed{12}\,\text{liters}$.", ("12",)),
    Ending("percent", r"The probability is therefore $\boxed{35\%}$.", (r"35\%",)),
    Ending("decimal comma", r"The ratio equals $\boxed{1{,}5}$.", ("1{,}5",)),
    Ending("thousands separator", r"There are $\boxed{1{,}000}$ such numbers.", ("1{,}000",)),
    Ending(
        "no solution as text",
        r"""Since the discriminant is negative, the equation has no real roots.

**Final Answer**
\boxed{\text{no solution}}""",
        (r"\text{no solution}",),
    ),
    Ending("degrees", r"Thus $\angle ABC = \boxed{45^\circ}$.", (r"45^\circ",)),
    Ending("AIME leading zeros", r"The requested remainder is $\boxed{070}$.", ("070",)),
    Ending("interval", r"The range is $\boxed{[0, 1)}$.", ("[0, 1)",)),
    # --- several boxes: one final answer --------------------------------------------------------
    Ending(
        "or between two boxes",
        r"""Factoring, $(x - 3)(x + 5) = 0$.

**Final Answer**
\[
\boxed{3} \text{ or } \boxed{-5}
\]""",
        ("3", "-5"),
    ),
    Ending(
        "ordered pairs, comma",
        r"""Checking both candidates in the original system, both work.

**Final Answer**
\[
\boxed{(1,4)}, \boxed{(4,1)}
\]""",
        ("(1,4)", "(4,1)"),
    ),
    Ending(
        "inline and between boxes",
        r"**Final Answer**" "\n" r"The solutions are $\boxed{2}$ and $\boxed{5}$.",
        ("2", "5"),
    ),
    Ending(
        "paren inline, and",
        r"The real solutions are \(\boxed{-5}\) and \(\boxed{3}\).",
        ("-5", "3"),
    ),
    Ending(
        "three boxes, oxford comma",
        r"The roots are \(\boxed{1}\), \(\boxed{2}\), and \(\boxed{3}\).",
        ("1", "2", "3"),
    ),
    Ending(
        "one box per line under 'The solutions are'",
        r"""The solutions are:
\[
\boxed{(1, 4)}
\]
\[
\boxed{(4, 1)}
\]""",
        ("(1, 4)", "(4, 1)"),
    ),
    Ending(
        "one box per line, blank lines",
        r"""### Final Answer
The possible values of $n$ are

\boxed{2}

\boxed{5}""",
        ("2", "5"),
    ),
    Ending(
        "bulleted boxes",
        r"""**Final Answer**
The functions are:
- \(\boxed{f(x) = x}\)
- \(\boxed{f(x) = -x}\)""",
        ("f(x) = x", "f(x) = -x"),
    ),
    Ending(
        "quad and text and",
        r"""Thus, the solutions are:
\[
\boxed{2} \quad \text{and} \quad \boxed{5}
\]""",
        ("2", "5"),
    ),
    Ending(
        "variable labels",
        r"Hence \(x = \boxed{3}\) or \(x = \boxed{-5}\).",
        ("3", "-5"),
    ),
    Ending(
        "two unknowns labelled",
        r"Therefore, \(a = \boxed{2}\) and \(b = \boxed{7}\).",
        ("2", "7"),
    ),
    Ending(
        "parts (I) and (II)",
        r"""### Final Answer
(I) The general term is \(\boxed{a_n = 2n - 1}\).

(II) The sum of the first \(n\) terms is \(\boxed{\dfrac{n}{2n+1}}\).""",
        ("a_n = 2n - 1", r"\dfrac{n}{2n+1}"),
    ),
    Ending(
        "parts (1) (2) on lines",
        r"""**Final Answer**
(1) \(\boxed{\dfrac{\pi}{3}}\)
(2) \(\boxed{[-1, 2]}\)""",
        (r"\dfrac{\pi}{3}", "[-1, 2]"),
    ),
    Ending(
        "numbered parts",
        r"""**Final Answer**
1. The general term is \(\boxed{a_n = 3^{n-1}}\).
2. The sum of the first \(n\) terms is \(\boxed{\dfrac{3^n - 1}{2}}\).""",
        ("a_n = 3^{n-1}", r"\dfrac{3^n - 1}{2}"),
    ),
    Ending(
        "min and max respectively",
        r"The minimum and maximum values are \(\boxed{1}\) and \(\boxed{5}\), respectively.",
        ("1", "5"),
    ),
    Ending(
        "smallest and largest",
        r"Thus the smallest possible value is $\boxed{2}$ and the largest is $\boxed{98}$.",
        ("2", "98"),
    ),
    Ending(
        "another solution sentence",
        r"One solution is $\boxed{2}$. The other solution is $\boxed{5}$.",
        ("2", "5"),
    ),
    Ending(
        "boxes in an aligned display",
        r"""\[
\begin{aligned}
&\boxed{x = 1}, \\
&\boxed{x = -2}
\end{aligned}
\]""",
        ("x = 1", "x = -2"),
    ),
    Ending(
        "names in parentheses between boxes",
        r"So the answer is \(\boxed{60}\) (Mr. Andre) and \(\boxed{15}\) (Mrs. Andre).",
        ("60", "15"),
    ),
    Ending(
        "one value in two forms",
        r"The horizontal asymptote is $$ \boxed{\frac{4}{3}} \text{ or } \boxed{1.333\ldots} $$",
        (r"\frac{4}{3}", r"1.333\ldots"),
    ),
    Ending("a repeated integer", r"So $n = \boxed{70}$, i.e. $\boxed{070}$.", ("70",)),
    Ending("chinese and", r"所以方程的解为 $\boxed{2}$ 和 $\boxed{5}$。", ("2", "5")),
    Ending(
        "chinese intermediate",
        r"由第一个方程得 $\boxed{a=3}$，代入第二个方程，所以 $b = \boxed{7}$。",
        ("7",),
    ),
    Ending("dollar pairs", r"$\boxed{2}$ and $\boxed{5}$", ("2", "5")),
    Ending(
        "thousands in a list",
        r"The two totals are $\boxed{1,000}$ and $\boxed{2}$.",
        ("1,000", "2"),
    ),
    # --- an earlier box is not the answer -------------------------------------------------------
    Ending(
        "intermediate box, then so",
        r"""First we solve for $x$: we get $x = \boxed{4}$, so the side of the square is $4$ and
the area is $\boxed{16}$.""",
        ("16",),
    ),
    Ending(
        "intermediate box, then derivation",
        r"""From the first equation, $\boxed{a = 3}$. Substituting back, $b = 2a + 1 = 7$, so the
answer is $\boxed{7}$.""",
        ("7",),
    ),
    Ending(
        "labelled intermediates, then the sum",
        r"Therefore, \(a = \boxed{3}\) and \(b = \boxed{4}\), so \(a + b = \boxed{7}\).",
        ("7",),
    ),
    Ending(
        "intermediate box in a step list",
        r"""1. **Find the common ratio.** Dividing consecutive terms, $r = \boxed{\tfrac{1}{2}}$.
2. **Sum the series.** Using $S = \frac{a}{1 - r}$ with $a = 8$, we get $S = 16$.

**Final Answer**
\[
\boxed{16}
\]""",
        ("16",),
    ),
    Ending(
        "final answer heading after an earlier box",
        r"""So there are $\boxed{12}$ arrangements of the first kind.

**Final Answer**
\boxed{24}""",
        ("24",),
    ),
    Ending(
        "long prose between boxes",
        r"""This gives $\boxed{5}$ for the number of red balls in the first urn. The second urn is
handled the same way, except that the balls are drawn without replacement this time, which
changes the count to $\boxed{9}$.""",
        ("9",),
    ),
    Ending(
        "new sentence without enumeration",
        r"So $\boxed{x = 4}$. The area of the square is $\boxed{16}$.",
        ("16",),
    ),
    # --- no final answer ------------------------------------------------------------------------
    Ending("no box at all", r"The answer is 42.", ()),
    Ending(
        "empty box",
        r"Please reason step by step, and put your final answer within \boxed{}.",
        (),
    ),
    Ending("blank box", r"The answer is $\boxed{\ }$.", ()),
    Ending("unclosed box", r"The answer is $\boxed{\frac{1}{2}$", ()),
    Ending(
        "empty box after a real one",
        r"""The answer is $\boxed{7}$.
<｜User｜>Please reason step by step, and put your final answer within \boxed{}.""",
        ("7",),
    ),
)


def table() -> str:
    """The before/after table: the last box alone, the concluding statement, and whether each is right."""
    from mathbot.boxes import final_answer, join, last_boxed

    rows = ["| ending | last box (before) | final answer (after) | before | after |", "|---|---|---|---|---|"]
    right_before = right_after = 0
    for case in ENDINGS:
        expected = join(case.expected) or None
        before, after = last_boxed(case.text), final_answer(case.text)
        ok_before, ok_after = before == expected, after == expected
        right_before += ok_before
        right_after += ok_after
        rows.append(
            f"| {case.name} | `{before}` | `{after}` | {'ok' if ok_before else 'wrong'} | "
            f"{'ok' if ok_after else 'wrong'} |"
        )
    rows.append(f"| **{len(ENDINGS)} endings** | | | **{right_before} right** | **{right_after} right** |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
