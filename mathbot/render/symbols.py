"""Symbol tables for LaTeX → Unicode: unicodeit's tables plus the overrides and classes it lacks."""

from __future__ import annotations

import re

from unicodeit.data import REPLACEMENTS, SUBSUPERSCRIPTS


def _unicodeit_commands() -> dict[str, str]:
    table: dict[str, str] = {}
    for tex, char in REPLACEMENTS:
        match = re.fullmatch(r"\\([A-Za-z]+)", tex)
        if match:
            table.setdefault(match.group(1), char)
    return table


def _unicodeit_styled() -> dict[tuple[str, str], str]:
    table: dict[tuple[str, str], str] = {}
    for tex, char in REPLACEMENTS:
        match = re.fullmatch(r"\\(mathbb|mathcal|mathfrak|mathscr)\{(\w)\}", tex)
        if match:
            table.setdefault((match.group(1), match.group(2)), char)
    return table


# fmt: off
OVERRIDES: dict[str, str] = {
    # unicodeit picks a glyph that reads worse in chat, or has no entry at all.
    'cdot': '·', 'cdotp': '·', 'centerdot': '·', 'cdots': '…', 'dots': '…', 'ldots': '…', 'dotsb': '…',
    'dotsc': '…', 'dotsm': '…', 'dotsi': '…', 'dotso': '…', 'hdots': '…', 'epsilon': 'ε',
    'varepsilon': 'ε', 'phi': 'φ', 'varphi': 'φ', 'langle': '⟨', 'rangle': '⟩', 'lvert': '|', 'rvert': '|',
    'vert': '|', 'lVert': '‖', 'rVert': '‖', 'Vert': '‖', 'lbrace': '{', 'rbrace': '}', 'lbrack': '[',
    'rbrack': ']', 'implies': '⟹', 'impliedby': '⟸', 'iff': '⟺', 'mid': '∣', 'divides': '∣', 'square': '□',
    'Box': '□', 'blacksquare': '■', 'qed': '∎', 'qedsymbol': '∎', 'star': '⋆', 'ast': '∗', 'colon': ':',
    'degree': '°', 'textdegree': '°', 'le': '≤', 'leq': '≤', 'leqslant': '≤', 'ge': '≥', 'geq': '≥',
    'geqslant': '≥', 'lt': '<', 'gt': '>', 'ne': '≠', 'neq': '≠', 'backslash': '∖', 'setminus': '∖',
    'emptyset': '∅', 'varnothing': '∅', 'bigtriangleup': '△', 'triangle': '△', 'vartriangle': '△',
    'measuredangle': '∡', 'sphericalangle': '∢', 'textbackslash': '\\', 'textasciitilde': '~',
    'textasciicircum': '^', 'textunderscore': '_', 'dag': '†', 'ddag': '‡', 'S': '§', 'P': '¶',
    'copyright': '©', 'pounds': '£', 'euro': '€', 'textdollar': '$', 'textpercent': '%', 'checkmark': '✓',
    'LaTeX': 'LaTeX', 'TeX': 'TeX',
}
# fmt: on

# fmt: off
SPACES: dict[str, str] = {
    ',': ' ', ':': ' ', ';': ' ', '>': ' ', ' ': ' ', 'enspace': ' ', 'thinspace': ' ', 'medspace': ' ',
    'thickspace': ' ', 'space': ' ', 'nobreakspace': ' ', '!': '', 'negthinspace': '', 'negmedspace': '',
    'negthickspace': '',
}
# fmt: on

QUADS: dict[str, int] = {"quad": 2, "qquad": 3, "hfill": 2}
"""Explicit wide spaces: how many spaces each one keeps (they are not collapsed)."""

ESCAPED_CHARS = set("$%&#_{}|")
"""Characters LaTeX writes as ``\\X`` that mean the character itself."""

BINARY = set(
    "pm mp times div cdot cdotp centerdot ast star oplus ominus otimes oslash odot cup cap backslash "  # noqa: SIM905 - a compact table
    "sqcup sqcap uplus setminus wedge vee land lor bullet amalg bigtriangleup bigtriangledown dagger "
    "ddagger".split()
)
"""Binary operators: printed with a space on each side (``a ± b``)."""

UNARY_CAPABLE = {"pm", "mp", "neg", "lnot"}
"""Operators that lose their spaces at the start of a group or after another operator (``±√2``)."""

RELATIONS = set(
    "le leq leqslant ge geq geqslant lt gt ne neq equiv approx sim simeq cong propto ll gg in notin "  # noqa: SIM905 - a compact table
    "ni subset subseteq subsetneq supset supseteq supsetneq to rightarrow leftarrow gets Rightarrow "
    "Leftarrow Leftrightarrow leftrightarrow implies impliedby iff mapsto longrightarrow "
    "Longrightarrow longleftarrow Longleftarrow longleftrightarrow Longleftrightarrow longmapsto perp "
    "parallel nparallel mid nmid divides vdash models prec succ preceq succeq asymp doteq therefore "
    "because nleq ngeq nless ngtr ncong nsim nequiv lesssim gtrsim leftrightharpoons "
    "rightleftharpoons uparrow downarrow hookrightarrow twoheadrightarrow coloneqq eqqcolon triangleq "
    "neg lnot nsubseteq nsupseteq forall exists nexists".split()
)
"""Relations and arrows: printed with a space on each side (``a ≤ b``)."""

FUNCTIONS = set(
    "sin cos tan cot sec csc arcsin arccos arctan arccot arcsec arccsc sinh cosh tanh coth sech csch "  # noqa: SIM905 - a compact table
    "log ln lg exp lim limsup liminf max min sup inf det deg dim gcd lcm arg ker hom Pr sgn tr rank "
    "ord rad Var Cov span proj diag mod argmax argmin cis Arg Log erf id im lub glb Tr".split()
)
"""Operator names printed as words (``sin x``, ``gcd(a, b)``)."""

# fmt: off
BIG_OPERATORS = {
    'sum': '∑', 'prod': '∏', 'coprod': '∐', 'int': '∫', 'iint': '∬', 'iiint': '∭', 'oint': '∮',
    'bigcup': '⋃', 'bigcap': '⋂', 'bigoplus': '⨁', 'bigotimes': '⨂', 'bigvee': '⋁', 'bigwedge': '⋀',
    'bigsqcup': '⨆', 'biguplus': '⨄',
}
# fmt: on

# fmt: off
OPENERS = {
    '(': '(', '[': '[', '{': '{', 'lbrace': '{', 'langle': '⟨', 'lfloor': '⌊', 'lceil': '⌈', 'lbrack': '[',
    'lvert': '|', 'lVert': '‖', 'ulcorner': '⌜', 'llcorner': '⌞',
}
# fmt: on
# fmt: off
CLOSERS = {
    ')': ')', ']': ']', '}': '}', 'rbrace': '}', 'rangle': '⟩', 'rfloor': '⌋', 'rceil': '⌉', 'rbrack': ']',
    'rvert': '|', 'rVert': '‖', 'urcorner': '⌝', 'lrcorner': '⌟',
}
# fmt: on

COMMANDS: dict[str, str] = {**_unicodeit_commands(), **OVERRIDES}
"""Every symbol command known: ``COMMANDS['alpha'] == 'α'``."""

STYLED: dict[tuple[str, str], str] = _unicodeit_styled()
"""Styled letters (``('mathbb', 'R') → 'ℝ'``); bold and italic letters stay plain on purpose."""

# fmt: off
ACCENTS: dict[str, str] = {
    'bar': '̄', 'overline': '̅', 'hat': '̂', 'widehat': '̂', 'tilde': '̃', 'widetilde': '̃', 'dot': '̇',
    'ddot': '̈', 'dddot': '⃛', 'acute': '́', 'grave': '̀', 'breve': '̆', 'check': '̌', 'mathring': '̊',
    'underline': '̲', 'vec': '⃗', 'overrightarrow': '⃗', 'overleftarrow': '⃖', 'overleftrightarrow': '⃡',
    'cancel': '̶', 'bcancel': '̶', 'xcancel': '̶', 'sout': '̶', 'utilde': '̰', 'overarc': '̑',
    'overparen': '̑', 'wideparen': '̑', 'overgroup': '̑',
}
# fmt: on
"""Accents drawn with a combining mark on every character (``\\overline{AB}`` → ``A̅B̅``)."""

ARROW_ACCENTS = {"vec", "overrightarrow", "overleftarrow", "overleftrightarrow"}
"""Accents put on the last character only (one arrow over ``AB``, not two)."""

# fmt: off
TEXT_ACCENTS: dict[str, str] = {
    "'": '́', '`': '̀', '^': '̂', '"': '̈', '~': '̃', '=': '̄', '.': '̇', 'u': '̆', 'v': '̌', 'H': '̋',
    'c': '̧', 'k': '̨', 'r': '̊',
}
# fmt: on
"""Text-mode accents (``\\'e`` → ``é``)."""


def _script_table(prefix: str) -> dict[str, str]:
    table = {tex[1:]: char for tex, char in SUBSUPERSCRIPTS if tex.startswith(prefix) and len(tex) == 2}
    return table


SUPERSCRIPTS: dict[str, str] = _script_table("^")
SUPERSCRIPTS.update({"V": "ⱽ", "−": "⁻", "θ": "ᶿ", "′": "′", "*": "∗", "∗": "∗", "'": "′", "ι": "ᶥ"})
for _bad in (".", "<", ">", "∫"):
    SUPERSCRIPTS.pop(_bad, None)

SUBSCRIPTS: dict[str, str] = _script_table("_")
SUBSCRIPTS.update({"−": "₋"})
for _bad in ("<", ">"):
    SUBSCRIPTS.pop(_bad, None)

# fmt: off
VULGAR: dict[tuple[str, str], str] = {
    ('1', '2'): '½', ('1', '3'): '⅓', ('2', '3'): '⅔', ('1', '4'): '¼', ('3', '4'): '¾', ('1', '5'): '⅕',
    ('2', '5'): '⅖', ('3', '5'): '⅗', ('4', '5'): '⅘', ('1', '6'): '⅙', ('5', '6'): '⅚', ('1', '7'): '⅐',
    ('1', '8'): '⅛', ('3', '8'): '⅜', ('5', '8'): '⅝', ('7', '8'): '⅞', ('1', '9'): '⅑', ('1', '10'): '⅒',
}
# fmt: on
"""Fractions Unicode has one character for."""


def to_superscript(text: str) -> str | None:
    """``"n+1"`` → ``"ⁿ⁺¹"``; ``None`` when a character has no superscript form."""
    compact = text.replace(" ", "")
    if not compact or any(ch not in SUPERSCRIPTS for ch in compact):
        return None
    return "".join(SUPERSCRIPTS[ch] for ch in compact)


def to_subscript(text: str) -> str | None:
    """``"n+1"`` → ``"ₙ₊₁"``; ``None`` when a character has no subscript form."""
    compact = text.replace(" ", "")
    if not compact or any(ch not in SUBSCRIPTS for ch in compact):
        return None
    return "".join(SUBSCRIPTS[ch] for ch in compact)
