"""Unit tests for the LaTeX → Unicode rules, one case (or a few) per rule."""

from __future__ import annotations

import pytest

from mathbot.render.latex import BOX_CLOSE, BOX_OPEN, is_atomic, math_to_text, needs_parens


def m(src: str) -> str:
    return math_to_text(src)


def d(src: str) -> str:
    return math_to_text(src, display=True)


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        # fractions keep their grouping
        (r"\frac{a+b}{2}", "(a+b)/2"),
        (r"\frac{1}{2}", "½"),
        (r"\frac{x}{2a}", "x/(2a)"),
        (r"\frac{-b\pm\sqrt{b^2-4ac}}{2a}", "(-b ± √(b²-4ac))/(2a)"),
        (r"-b \pm \sqrt{b^2-4ac} \over 2a", "(-b ± √(b²-4ac))/(2a)"),
        (r"\dfrac{7}{9} + \tfrac{3}{11}", "7/9 + 3/11"),
        (r"\frac12", "½"),
        (r"\frac{1}{1+\frac{1}{x}}", "1/(1+1/x)"),
        (r"\frac{-8}{-4}", "-8/(-4)"),
        (r"\frac{1}{(j+k)^3}", "1/(j+k)³"),
        (r"\frac{1}{n(n+1)}", "1/(n(n+1))"),  # a product, not a function call: was 1/n(n+1)
        (r"\frac{x^2}{c(2b - a)^2}", "x²/(c(2b - a)²)"),
        (r"\frac{1}{f(x)} + \frac{P(A)}{P(B)}", "1/f(x) + P(A)/P(B)"),
        (r"\frac{dy}{dx} = \frac{d}{dx} x^2", "dy/dx = d/dx x²"),
        (r"\cfrac{1}{2 + \cfrac{1}{3}}", "1/(2 + ⅓)"),
        # a slash fraction next to an operand is bracketed, a mixed number is spaced
        (r"\frac{3}{7}(x+1)", "(3/7)(x+1)"),
        (r"\frac{\sqrt{3}}{2}s", "(√3/2)s"),
        (r"5\frac{3}{7}", "5 3/7"),
        (r"3 \frac{160}{3}", "3(160/3)"),  # an improper fraction after a number is a product
        (r"\frac{1}{540}\text{Re}(w)", "(1/540)Re(w)"),
        (r"\frac{1}{2} \text{ cm}", "½ cm"),
        (r"r=\tfrac h4=2", "r=h/4=2"),  # no space from the one after "\tfrac"
        (r"1 - \frac{3}{7}", "1 - 3/7"),
        (r"\sin\frac{\pi}{6}", "sin(π/6)"),
        # roots
        (r"\sqrt{2}", "√2"),
        (r"\sqrt{x+1}", "√(x+1)"),
        (r"\sqrt{2x}", "√(2x)"),
        (r"\sqrt{xyz(x+y+z)}", "√(xyz(x+y+z))"),
        (r"\sqrt[3]{x}", "∛x"),
        (r"\sqrt[4]{x}", "∜x"),
        (r"\sqrt[n]{x}", "ⁿ√x"),
        (r"\sqrt{2}^2", "(√2)²"),
        (r"\sqrt{3}x", "√3 x"),
        # scripts
        (r"x^2", "x²"),
        (r"x_{n+1}", "xₙ₊₁"),
        (r"x^{-1}", "x⁻¹"),
        (r"x_b", "x_b"),
        (r"P_{ABC}", "P_(ABC)"),
        (r"P_A P_{\bar A}", "P_A P_(A\u0304)"),  # not P_AP_(Ā), which reads as P sub AP
        (r"mP_AP_B", "mP_A P_B"),
        (r"1^{(2^{5})}", "1^(2⁵)"),  # not 1^((2⁵))
        (r"n!^{2}", "n!²"),  # not n(!)²
        (r"e^{i\pi}", "e^(iπ)"),
        (r"2^{2^n}", "2^(2ⁿ)"),
        (r"y_{\text{max}}", "yₘₐₓ"),
        (r"\left( \frac{a}{b} \right)^2", "(a/b)²"),
        (r"{(a+b)}^2", "(a+b)²"),
        (r"30^\circ", "30°"),
        (r"30^{\circ}", "30°"),
        (r"f^{\prime}(x)", "f′(x)"),
        (r"f'(x)", "f′(x)"),
        (r"A^T", "Aᵀ"),
        # operators, relations, spacing
        (r"a \le b", "a ≤ b"),
        (r"a\geq b", "a ≥ b"),
        (r"a \neq b", "a ≠ b"),
        (r"a\cdot b", "a · b"),
        (r"3\times 3", "3 × 3"),
        (r"x = \pm 2", "x = ±2"),
        (r"\pm\sqrt{2}", "±√2"),
        (r"a \equiv 3 \pmod{7}", "a ≡ 3 (mod 7)"),
        (r"a \equiv 3 \pmod 7", "a ≡ 3 (mod 7)"),
        (r"a \bmod b", "a mod b"),
        (r"a \mid b", "a ∣ b"),
        (r"a \nmid b", "a ∤ b"),
        (r"a \not\equiv b", "a ≢ b"),
        (r"a \not= b", "a ≠ b"),
        (r"x \approx 3", "x ≈ 3"),
        (r"p \implies q", "p ⟹ q"),
        (r"x \to 0", "x → 0"),
        (r"x \in \mathbb{R}", "x ∈ ℝ"),
        (r"2 \pi x", "2πx"),
        (r"\alpha+\beta", "α+β"),
        (r"a_1 + a_2 + \cdots + a_n", "a₁ + a₂ + … + aₙ"),
        (r"1, 2, \dots, n", "1, 2, …, n"),
        (r"1, 2, \ldots, n", "1, 2, …, n"),
        (r"x \quad y", "x  y"),
        (r"x\,dx", "x dx"),
        (r"a*b", "a∗b"),
        # functions and big operators
        (r"\sin^2 x + \cos^2 x = 1", "sin² x + cos² x = 1"),
        (r"\log_2 8 = 3", "log₂ 8 = 3"),
        (r"\gcd(a, b) = 1", "gcd(a, b) = 1"),
        (r"\operatorname{lcm}(a,b)", "lcm(a,b)"),
        (r"\lcm(4, 6)", "lcm(4, 6)"),
        (r"AC \cos B", "AC cos B"),
        (r"\sum_{k=1}^{n} k^2", "∑ₖ₌₁ⁿ k²"),
        (r"\sum_{k=0}^{\infty} x^k", "∑ₖ₌₀^∞ xᵏ"),
        (r"\prod_{i=1}^{n} i", "∏ᵢ₌₁ⁿ i"),
        (r"\int_0^1 x^2\,dx", "∫₀¹ x² dx"),
        (r"\lim_{x \to 0} \frac{\sin x}{x} = 1", "lim_(x→0) (sin x)/x = 1"),
        # combinatorics
        (r"\binom{n}{k}", "C(n, k)"),
        (r"\dbinom{10}{2j}", "C(10, 2j)"),
        (r"{n \choose k}", "C(n, k)"),
        (r"(-1)^k \binom{n}{k}", "(-1)ᵏ C(n, k)"),
        # brackets and delimiters
        (r"\lfloor x \rfloor", "⌊x⌋"),
        (r"\lceil x \rceil", "⌈x⌉"),
        (r"\left\lfloor \frac{n}{2} \right\rfloor", "⌊n/2⌋"),
        (r"\{1, 2, 3\}", "{1, 2, 3}"),
        (r"\left\{ x \mid x > 0 \right\}", "{x ∣ x > 0}"),
        (r"\left. x \right|", "x|"),
        (r"\left. f(x) \right|_{x=0}", "f(x)|ₓ₌₀"),  # not f(x)(|)ₓ₌₀
        (r"\langle a, b \rangle", "⟨a, b⟩"),
        (r"\|v\|", "‖v‖"),
        # geometry
        (r"\angle ABC = 30^\circ", "∠ABC = 30°"),
        (r"\triangle ABC", "△ABC"),
        (r"\overline{AB}", "A̅B̅"),
        (r"0.\overline{3}", "0.3̅"),
        (r"\overline{AB} \perp \overline{CD}", "A̅B̅ ⊥ C̅D̅"),
        (r"\vec{v}", "v⃗"),
        (r"\overrightarrow{AB}", "AB⃗"),
        (r"\hat{x}", "x̂"),
        (r"\underline{a b c}", "a̲b̲c̲"),
        (r"1 \quad \underline{\hphantom{10}} \quad 42", "1  ＿＿  42"),  # a blank to fill stays visible
        # text and fonts
        (r"\text{if } x > 0", "if x > 0"),
        (r"x = 5 \text{ cm}", "x = 5 cm"),
        (r"\textbf{Area} = 6", "Area = 6"),
        (r"\mathbf{v} \cdot \mathbf{w}", "v · w"),
        (r"\mathcal{S}", "𝒮"),
        (r"10\%", "10%"),
        (r"50%", "50%"),
        (r"\$5", "$5"),
        (r"\text{costs \$5}", "costs $5"),
        # misc
        (r"\infty", "∞"),
        (r"n!", "n!"),
        (r"\underbrace{1+\cdots+1}_{n}", "1+…+1 (n)"),
        (r"\overset{?}{=}", "≟"),
        (r"\phantom{x}y", "y"),
        (r"\color{red} x", "x"),
        (r"\textcolor{red}{x}", "x"),
        (r"\cancel{x}", "x̶"),
        (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", "(1, 2; 3, 4)"),
        (r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", "(1, 2)"),
        (r"\begin{cases} x & x \ge 0 \\ -x & x < 0 \end{cases}", "{x, x ≥ 0; -x, x < 0}"),
        (r"\begin{aligned} a &= b + c \\ &= d \end{aligned}", "a = b + c = d"),
        (r"\begin{aligned} a &= 1 \\ b &= 2 \end{aligned}", "a = 1; b = 2"),
        (r"\begin{aligned} x&=\frac{5}{2}\\ &=3 \end{aligned}", "x = 5/2 = 3"),  # not "x =5/2 =3"
        (
            r"\begin{cases} ax^2 & \text{if } x \geq a,\\ ax & \text{if } x < a. \end{cases}",
            "{ax², if x ≥ a; ax, if x < a}.",  # the rows' own punctuation, not ",;" and ".}"
        ),
    ],
)
def test_inline(src: str, expected: str) -> None:
    assert m(src) == expected


def test_boxed_is_marked_for_the_platform_layer() -> None:
    assert m(r"\boxed{70}") == f"{BOX_OPEN}70{BOX_CLOSE}"


def test_vulgar_fractions_can_be_turned_off() -> None:
    assert math_to_text(r"\frac{3}{4}", vulgar=False) == "3/4"


def test_unknown_command_keeps_its_name_without_backslash() -> None:
    assert m(r"\foo x") == "foo x"


def test_unparseable_input_does_not_raise() -> None:
    for src in [r"\frac{", r"\end{align}", "}{", r"\left(", "^", "_", r"\begin{pmatrix}", "{" * 400 + "x"]:
        out = m(src)
        assert "\\" not in out


def test_needs_parens_and_is_atomic() -> None:
    assert needs_parens("a+b") and not needs_parens("2a") and not needs_parens("(a+b)")
    assert needs_parens("a, b") and not needs_parens("1,000")
    assert is_atomic("x²") and is_atomic("√2") and is_atomic("f(x)") and is_atomic("(a+b)³")
    assert not is_atomic("2a") and not is_atomic("-4") and not is_atomic("sin x")


class TestDisplay:
    def test_align_lines_up_relations(self) -> None:
        assert d(r"\begin{align*} a &= b + c \\ &= d \\ ef &= 1 \end{align*}") == (
            " a = b + c\n   = d\nef = 1"
        )

    def test_align_with_two_column_pairs(self) -> None:
        assert d(r"\begin{align*} x &= 1 & y &= 2 \end{align*}") == "x = 1    y = 2"

    def test_cases_get_a_tall_brace(self) -> None:
        assert d(r"f(x) = \begin{cases} x & x \ge 0 \\ -x & \text{otherwise} \end{cases}") == (
            "f(x) = ⎧ x    x ≥ 0\n       ⎩ -x   otherwise"
        )

    def test_three_row_cases_have_a_middle_piece(self) -> None:
        assert d(r"\begin{cases} a \\ b \\ c \end{cases}") == "⎧ a\n⎨ b\n⎩ c"

    def test_pmatrix(self) -> None:
        assert d(r"A = \begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}") == ("A = ⎛ 1  2 ⎞\n    ⎝ 3  4 ⎠")

    def test_bmatrix_column_and_trailing_punctuation(self) -> None:
        assert d(r"\begin{bmatrix} 1 \\ 20 \\ 3 \end{bmatrix}.") == "⎡  1 ⎤\n⎢ 20 ⎥\n⎣  3 ⎦."

    def test_vmatrix(self) -> None:
        assert d(r"\begin{vmatrix} a & b \\ c & d \end{vmatrix}") == "│ a  b │\n│ c  d │"

    def test_array_rules_and_bars(self) -> None:
        assert d(r"\begin{array}{c|c} x & y \\ \hline 1 & 2 \end{array}") == "x │ y\n─────\n1 │ 2"

    def test_top_level_line_breaks(self) -> None:
        assert d(r"x = 1 \\ y = 2") == "x = 1\ny = 2"

    def test_eqnarray(self) -> None:
        assert d(r"\begin{eqnarray*} a &=& b \\ &=& c \end{eqnarray*}") == "a = b\n  = c"

    def test_tag_and_label(self) -> None:
        assert d(r"\begin{align} 2x &= 4 \tag{1} \\ x &= 2 \label{eq} \end{align}") == "2x = 4  (1)\n x = 2"

    def test_nested_matrix_in_align(self) -> None:
        assert d(
            r"\begin{aligned} A &= \begin{pmatrix} 1 & 0 \\ 0 & 1 \end{pmatrix} \\ B &= 2 \end{aligned}"
        ) == ("A = ⎛ 1  0 ⎞\n    ⎝ 0  1 ⎠\nB = 2")

    def test_matrix_to_a_power_keeps_its_shape(self) -> None:
        # was "(│ a b │; │ c d │)² = 1": the matrix flattened into a line to carry the exponent
        assert d(r"\begin{vmatrix} a & b \\ c & d \end{vmatrix}^2 = 1") == "│ a  b │² = 1\n│ c  d │"
        assert d(r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}^T") == "⎛ 1 ⎞ᵀ\n⎝ 2 ⎠"

    def test_left_right_delimiters_grow_around_a_tall_box(self) -> None:
        assert d(r"\left\{ \begin{aligned} x &= 1, \\ y &= 2. \end{aligned} \right.") == "⎧ x = 1,\n⎩ y = 2."
        assert d(r"\left\| \begin{pmatrix} x \\ y \end{pmatrix} \right\|") == "‖ ⎛ x ⎞ ‖\n‖ ⎝ y ⎠ ‖"
        assert d(r"\left( \begin{array}{c} a \\ b \end{array} \right)^T") == "⎛ a ⎞ᵀ\n⎝ b ⎠"

    def test_relation_after_the_ampersand_is_spaced(self) -> None:
        assert d(r"\begin{align*} \text{gcd}(6,4) &=\text{gcd}(2,4)\\ &=2 \end{align*}") == (
            "gcd(6,4) = gcd(2,4)\n         = 2"
        )

    def test_single_line_display_is_one_line(self) -> None:
        assert d(r"\frac{a}{b} = c") == "a/b = c"
