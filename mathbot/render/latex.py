"""LaTeX math → readable Unicode text: fractions, roots, scripts, environments and spacing."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pylatexenc import latexwalker as lw
from pylatexenc.macrospec import std_environment, std_macro

from . import symbols as sym
from .boxes import Align, Box, bracket, grid, hconcat, vstack
from .boxes import width as box_width

BOX_OPEN = "\x02"
"""Marks the start of a ``\\boxed{}`` answer; the platform layer turns the pair into bold or brackets."""
BOX_CLOSE = "\x03"
_SOFT = "\x00"  # a space that collapses with its neighbours
_HARD = "\x01"  # a space that is kept (\quad)

BLANK = "＿＿"
"""An underlined blank (``\\underline{\\hphantom{10}}``): full-width low lines, no markup hazard."""
MAX_SOURCE_CHARS = 20_000
"""Longer formulas are not parsed structurally, only symbol by symbol."""


def _context_db() -> lw.macrospec.LatexContextDb:
    db = lw.get_default_latex_context_db()
    one = list(
        "boxed pmod pod cancel bcancel xcancel sout substack boldsymbol bm pmb phantom mathop mathrel "  # noqa: SIM905 - a compact table
        "mathbin mathord mathopen mathclose textnormal hbox fbox mathring utilde overarc overparen "
        "intertext shortintertext dddot mathnormal cline textsuperscript textsubscript "
        "underrightarrow overunderset ce vdots".split()
    )
    macros = [std_macro(name, False, 1) for name in one if name != "vdots"]
    macros += [
        std_macro(name, False, 2)
        for name in list(
            "binom dbinom tbinom overset underset stackrel cancelto sfrac dfrac tfrac href".split()  # noqa: SIM905 - a compact table
        )
    ]
    macros += [
        std_macro("cfrac", "[{{"),
        std_macro("operatorname", "*{"),
        std_macro("tag", "*{"),
        std_macro("smash", "[{"),
        std_macro("multicolumn", "{{{"),
        std_macro("raisebox", "{[[{"),
        std_macro("framebox", "[[{"),
        std_macro("mod", False, 1),
        std_macro("genfrac", "{{{{{{"),
        std_macro("colorbox", "{{"),
        std_macro("sqrt", "[{"),
    ]
    envs = [
        std_environment(name, None, is_math_mode=True)
        for name in list(
            "matrix pmatrix bmatrix Bmatrix vmatrix Vmatrix smallmatrix psmallmatrix bsmallmatrix "  # noqa: SIM905 - a compact table
            "cases cases* dcases rcases gathered CD".split()
        )
    ]
    envs += [
        std_environment("aligned", "[", is_math_mode=True),
        std_environment("alignedat", "{", is_math_mode=True),
        std_environment("subarray", "{", is_math_mode=True),
        std_environment("array", "[{", is_math_mode=True),
        std_environment("array*", "[{", is_math_mode=True),
    ]
    db.add_context_category("mathbot", macros=macros, environments=envs, prepend=True)
    return db


_DB = _context_db()

ALIGN_ENVS = set(
    "align aligned alignat alignedat flalign split eqnarray multline gather gathered equation "  # noqa: SIM905 - a compact table
    "displaymath math subequations CD".split()
)
CASES_ENVS = {"cases", "dcases", "rcases"}
MATRIX_DELIMS = {
    "matrix": ("", ""),
    "smallmatrix": ("", ""),
    "pmatrix": ("(", ")"),
    "psmallmatrix": ("(", ")"),
    "bmatrix": ("[", "]"),
    "bsmallmatrix": ("[", "]"),
    "Bmatrix": ("{", "}"),
    "vmatrix": ("|", "|"),
    "Vmatrix": ("‖", "‖"),
    "array": ("", ""),
    "subarray": ("", ""),
    "tabular": ("", ""),
}
LIST_ENVS = {"itemize", "enumerate", "description"}
MATH_ENVIRONMENTS = (ALIGN_ENVS | CASES_ENVS | set(MATRIX_DELIMS)) - {"tabular"}
"""Environments that are math even when written outside ``$...$``."""

_FRAC = {"frac", "dfrac", "tfrac", "cfrac", "nicefrac", "sfrac"}
_BINOM = {"binom", "dbinom", "tbinom"}
_TEXT = set(
    "text textrm textnormal textup textmd mbox hbox textsf texttt textit textsl emph textbf textsc "  # noqa: SIM905 - a compact table
    "fbox framebox intertext shortintertext textsuperscript textsubscript".split()
)
_STYLE = set(
    "mathrm mathit mathbf mathsf mathtt boldsymbol bm pmb mathnormal mathord mathopen mathclose "  # noqa: SIM905 - a compact table
    "ensuremath smash displaystyle raisebox".split()
)
_STYLED_LETTERS = {"mathbb", "mathcal", "mathfrak", "mathscr", "Bbb"}
_DELIM_SIZERS = set(
    "left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr bigm Bigm biggm "  # noqa: SIM905 - a compact table
    "Biggm".split()
)
_IGNORED = set(
    "displaystyle textstyle scriptstyle scriptscriptstyle limits nolimits nonumber notag label "  # noqa: SIM905 - a compact table
    "allowbreak nobreak relax strut mathstrut centering noindent par medskip bigskip smallskip vspace "
    "hline toprule midrule bottomrule cline noalign phantom hphantom vphantom hspace color protect "
    "left right middle newpage linebreak displaybreak kern mkern mskip hskip qedhere normalsize small "
    "large Large tiny footnotesize scriptsize huge Huge rm bf it sf tt cal bold mathversion boldmath "
    "unboldmath nulldelimiterspace vfill indent item usepackage def let newcommand renewcommand "
    "DeclareMathOperator".split()
)
_LIMIT_FUNCTIONS = set("lim limsup liminf max min sup inf argmax argmin".split())  # noqa: SIM905 - a compact table
_INFIX = {"over": "frac", "choose": "binom", "atop": "atop", "brace": "brace", "brack": "brack"}
_ROW_BREAKS = {"\\", "cr", "newline", "tabularnewline"}
_NEGATED = {
    "=": "≠",
    "≡": "≢",
    "∈": "∉",
    "<": "≮",
    ">": "≯",
    "≤": "≰",
    "≥": "≱",
    "⊂": "⊄",
    "⊆": "⊈",
    "∣": "∤",
    "∼": "≁",
    "≅": "≇",
    "≈": "≉",
    "∃": "∄",
    "|": "∤",
    "⊃": "⊅",
    "⊇": "⊉",
    "∥": "∦",
}
_OPERATOR_CHARS = set(" +-−±∓=<>≤≥≠≈≡/·×÷∣:;,…∈∉⊂⊆⊃⊇∪∩→←↔⇒⇐⇔⟹⟸⟺≅∼≃∝⊥∥∖∧∨¬∀∃")
_RELATION_START = tuple("=<>≤≥≠≈≡⟹⇒⇔⟺→∼≅≃∝∈⊂⊆⊃⊇")
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


def _visible(text: str) -> str:
    return "".join(ch for ch in text if ch not in (BOX_OPEN, BOX_CLOSE))


def _bracketed(text: str) -> bool:
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
    text = _visible(text).strip()
    if len(text) <= 1 or _bracketed(text):
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
    text = "".join(ch for ch in _visible(text).strip() if not _is_mark(ch))
    if not text:
        return True
    if _bracketed(text):
        return True
    core = text.rstrip("".join(_SCRIPT_CHARS))
    if _bracketed(core):
        return True
    if core.startswith("√") or core[:1] in "∛∜":
        rest = core.lstrip("√∛∜")
        return bool(rest) and (is_atomic(rest))
    call = re.fullmatch(r"([^\W\d_]+)(\(.*\))", core)
    if call and _bracketed(call.group(2)):
        # f(x), P(B), sin(x), φ(n) are one operand; c(2b - a) and n(n+1) are products: 1/(n(n+1))
        return call.group(1) in _FUNCTION_NAMES or call.group(1) in sym.FUNCTIONS
    if "^" in core and not needs_parens(core):
        base, _, exp = core.partition("^")
        return is_atomic(base) and is_atomic(exp)
    return bool(_ATOMIC.fullmatch(core))


def _is_mark(ch: str) -> bool:
    import unicodedata

    return unicodedata.combining(ch) != 0


def _finalize(text: str) -> str:
    """Collapse soft spaces, keep hard ones, tidy spaces inside brackets and before punctuation."""

    def spaces(match: re.Match[str]) -> str:
        hard = match.group(0).count(_HARD)
        return " " * hard if hard else " "

    text = re.sub(f"[ {_SOFT}{_HARD}]+", spaces, text)
    text = re.sub(r"(?<=[(\[{⌊⌈⟨]) (?=\S)", "", text)
    text = re.sub(r"(?<=\S) (?=[)\]}⌋⌉⟩,;.!])", "", text)
    return text


def _flatten(item: str | Box) -> str:
    if isinstance(item, Box):
        return "; ".join(line.strip() for line in item.lines if line.strip())
    return item


class _Converter:
    def __init__(self, *, display: bool, vulgar: bool) -> None:
        self.display = display
        self.vulgar = vulgar

    # ----- entry points -------------------------------------------------------------------------
    def math(self, nodes: list[lw.LatexNode], *, top: bool = False) -> str | Box:
        if top and self._has_grid_markers(nodes):
            return self._grid_env("align*", nodes, [])
        return self._join(self._atoms(self._items(nodes, math=True)))

    def inline(self, node_or_nodes: lw.LatexNode | list[lw.LatexNode] | None) -> str:
        """Render an argument on one line (fraction parts, scripts, roots)."""
        if node_or_nodes is None:
            return ""
        nodes = node_or_nodes if isinstance(node_or_nodes, list) else [node_or_nodes]
        saved, self.display = self.display, False
        try:
            return _flatten(self.math(nodes)).strip()
        finally:
            self.display = saved

    def text(self, nodes: list[lw.LatexNode] | lw.LatexNode | None) -> str:
        """Render text-mode content (``\\text{...}``): spaces kept, ``$...$`` converted."""
        if nodes is None:
            return ""
        if not isinstance(nodes, list):
            nodes = [nodes]
        out: list[str] = []
        for node in nodes:
            if node is None or node.isNodeType(lw.LatexCommentNode):
                continue
            if node.isNodeType(lw.LatexCharsNode):
                out.append(node.chars)
            elif node.isNodeType(lw.LatexGroupNode):
                out.append(self.text(node.nodelist))
            elif node.isNodeType(lw.LatexMathNode):
                out.append(self.inline(node.nodelist))
            elif node.isNodeType(lw.LatexSpecialsNode):
                out.append(
                    {"~": " ", "--": "–", "---": "—", "``": "“", "''": "”", "&": " "}.get(
                        node.specials_chars, node.specials_chars
                    )
                )
            elif node.isNodeType(lw.LatexMacroNode):
                out.append(self._text_macro(node))
            elif node.isNodeType(lw.LatexEnvironmentNode):
                out.append(_flatten(self._env(node)))
        return re.sub(r"\s+", " ", "".join(out))

    def _text_macro(self, node: lw.LatexMacroNode) -> str:
        name = node.macroname
        args = _args(node)
        if name in sym.TEXT_ACCENTS:
            body = self.text(args[0]) if args else ""
            return body[:1] + sym.TEXT_ACCENTS[name] + body[1:] if body else ""
        if name in _TEXT or name in _STYLE:
            return self.text(args[-1]) if args else ""
        if name in _ROW_BREAKS:
            return " "
        atom = self._macro(node, [], 0)[0]
        return _flatten(atom.text) if atom else ""

    # ----- items ---------------------------------------------------------------------------------
    @staticmethod
    def _has_grid_markers(nodes: list[lw.LatexNode]) -> bool:
        for node in nodes:
            if node.isNodeType(lw.LatexSpecialsNode) and node.specials_chars == "&":
                return True
            if node.isNodeType(lw.LatexMacroNode) and node.macroname in _ROW_BREAKS:
                return True
        return False

    def _items(self, nodes: list[lw.LatexNode], *, math: bool) -> list[tuple[str, object]]:
        items: list[tuple[str, object]] = []
        for node in nodes:
            if node is None or node.isNodeType(lw.LatexCommentNode):
                continue
            if node.isNodeType(lw.LatexCharsNode):
                for ch in node.chars:
                    items.append(("space", " ") if ch.isspace() else ("char", ch))
            elif node.isNodeType(lw.LatexSpecialsNode):
                chars = node.specials_chars
                if chars == "&":
                    items.append(("amp", chars))
                elif chars == "~":
                    items.append(("space", " "))
                elif chars == "``":
                    items.append(("char", "“"))
                else:
                    items.extend(("char", ch) for ch in chars)
            elif node.isNodeType(lw.LatexGroupNode):
                items.append(("group", node))
            elif node.isNodeType(lw.LatexMacroNode):
                items.append(("macro", node))
                # the space after a command name: "\cdots +"; with arguments ("\tfrac h4") it is not there
                if getattr(node, "macro_post_space", "") and not _args(node):
                    items.append(("post_space", " "))
            elif node.isNodeType(lw.LatexEnvironmentNode):
                items.append(("env", node))
            elif node.isNodeType(lw.LatexMathNode):
                items.append(("group", node))
        # The space after a command name only counts before an operator: "\cdots + a", but "\pi r".
        for index, (kind, _) in enumerate(items):
            if kind == "post_space":
                nxt = items[index + 1] if index + 1 < len(items) else None
                keep = nxt is not None and nxt[0] == "char" and str(nxt[1]) in "+-=<>/|:"
                items[index] = ("space", " ") if keep else ("skip", "")
        return [item for item in items if item[0] != "skip"]

    def _render_items(self, items: list[tuple[str, object]]) -> str | Box:
        return self._join(self._atoms(items))

    @staticmethod
    def _join(atoms: list[Atom]) -> str | Box:
        return _join_atoms(atoms)

    # ----- atoms ---------------------------------------------------------------------------------
    def _atoms(self, items: list[tuple[str, object]]) -> list[Atom]:
        for index, (kind, payload) in enumerate(items):
            if kind == "macro" and payload.macroname in _INFIX:  # type: ignore[attr-defined]
                left = self._inline_items(items[:index])
                right = self._inline_items(items[index + 1 :])
                return [self._infix(_INFIX[payload.macroname], left, right)]  # type: ignore[attr-defined]
        atoms: list[Atom] = []
        i = 0
        while i < len(items):
            kind, payload = items[i]
            if kind == "char" and payload in ("^", "_"):
                i = self._scripts(items, i, atoms)
                continue
            i += 1
            if kind == "space" or kind == "amp":
                atoms.append(Atom(_SOFT, "space"))
            elif kind == "char":
                atoms.append(self._char(str(payload)))
            elif kind == "group":
                atoms.append(self._group(payload))
            elif kind == "env":
                atoms.append(Atom(self._env(payload), "ord"))
            elif kind == "macro":
                atom, consumed = self._macro(payload, items, i)
                i += consumed
                if atom is not None:
                    atoms.append(atom)
        return atoms

    def _inline_items(self, items: list[tuple[str, object]]) -> str:
        saved, self.display = self.display, False
        try:
            return _flatten(self._render_items(items)).strip()
        finally:
            self.display = saved

    @staticmethod
    def _char(ch: str) -> Atom:
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

    def _group(self, node: lw.LatexNode) -> Atom:
        inner = self._atoms(self._items(node.nodelist, math=True))
        solid = [a for a in inner if a.kind != "space"]
        if len(solid) == 1 and solid[0].kind in (
            "frac",
            "op",
            "lit",
            "func",
            "bigop",
            "sqrt",
            "open",
            "close",
        ):
            return solid[0]
        return Atom(self._join(inner), "ord")

    def _infix(self, kind: str, left: str, right: str) -> Atom:
        if kind == "frac":
            return self._make_frac(left, right)
        if kind == "binom":
            return Atom(f"C({left}, {right})", "ord")
        pair = {"brace": ("{", "}"), "brack": ("[", "]")}.get(kind, ("(", ")"))
        return Atom(f"{pair[0]}{left} over {right}{pair[1]}", "ord")

    def _make_frac(self, num: str, den: str) -> Atom:
        num, den = num.strip(), den.strip()
        if self.vulgar and (num, den) in sym.VULGAR:
            return Atom(sym.VULGAR[(num, den)], "ord")
        if re.fullmatch(r"[d∂][²³]?[^\W\d_]?", num) and re.fullmatch(r"([d∂][^\W\d_][²³]?)+", den):
            # a derivative: d/dx x², dy/dx, ∂f/∂x, not (d/(dx))x² and dy/(dx)
            return Atom(f"{num}/{den}", "func" if len(num) == 1 else "frac")
        if needs_parens(num, allow_leading_minus=True):
            num = f"({num})"
        if not is_atomic(den):
            den = f"({den})"
        return Atom(f"{num}/{den}", "frac")

    # ----- scripts -------------------------------------------------------------------------------
    def _scripts(self, items: list[tuple[str, object]], i: int, atoms: list[Atom]) -> int:
        sub = sup = None
        while i < len(items) and items[i][0] == "char" and items[i][1] in ("^", "_"):
            which = items[i][1]
            i += 1
            while i < len(items) and items[i][0] == "space":
                i += 1
            if i >= len(items):
                break
            arg = items[i]
            i += 1
            if (
                arg[0] == "macro"
                and arg[1].macroname in _TEXT | _STYLE | _STYLED_LETTERS | _FRAC | {"sqrt"}  # type: ignore[attr-defined]
                and not _args(arg[1])
                and i < len(items)
            ):
                arg_items = [arg, items[i]]
                i += 1
            else:
                arg_items = [arg]
            if which == "^":
                sup = arg_items
            else:
                sub = arg_items
            j = i
            while j < len(items) and items[j][0] == "space":
                j += 1
            if j < len(items) and items[j][0] == "char" and items[j][1] in ("^", "_"):
                i = j
        while atoms and atoms[-1].kind == "space":
            atoms.pop()
        if atoms and atoms[-1].kind == "close":
            _merge_bracketed(atoms)
        base = atoms.pop() if atoms else Atom("", "ord")
        atoms.append(self._attach(base, sub, sup))
        return i

    def _attach(self, base: Atom, sub: list | None, sup: list | None) -> Atom:
        if isinstance(base.text, Box) and base.kind != "brace":
            # a matrix to a power: the exponent at its top right, not the matrix flattened into a line
            box = base.text
            lines = [line + " " * (box.width - box_width(line)) for line in box.lines]
            if sup is not None:
                lines[0] += self._script(self._inline_items(sup), sym.to_superscript, "^")
            if sub is not None:
                lines[-1] += self._script(self._inline_items(sub), sym.to_subscript, "_")
            return Atom(_trim(Box(lines, box.base)), "ord")
        text = _flatten(base.text)
        if base.kind == "brace" and (sub or sup):
            label = self._inline_items(sub or sup or [])
            return Atom(f"{text} ({label})", "ord")
        if (
            text
            and text != "!"  # n!^2: the script goes on the factorial sign, as TeX draws it
            and base.kind != "close"  # an evaluation bar, \\right|_{x=0}: not "(|)ₓ₌₀"
            and base.kind not in ("func", "bigop", "op", "lit")
            and (base.kind in ("frac", "sqrt") or not is_atomic(text))
            and not _bracketed(_visible(text))
            and base.kind not in ("accent", "text")
        ):
            text = f"({text})"
        if sub is not None:
            text += self._script(self._inline_items(sub), sym.to_subscript, "_")
        if sup is not None:
            sup_text = self._inline_items(sup)
            text += self._script(sup_text, sym.to_superscript, "^")
        kind = base.kind if base.kind in ("func", "bigop", "op", "lit") else "ord"
        return Atom(text, kind, unary=base.unary)

    @staticmethod
    def _script(text: str, convert, marker: str) -> str:
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
        converted = convert(_visible(text))
        if converted is not None:
            return converted
        if len(_visible(text)) == 1 or re.fullmatch(r"\d+", text) or _bracketed(_visible(text)):
            return marker + text  # x_b, x^((a+b)) would double the brackets
        text = re.sub(r"\s*([=→<>≤≥+−-])\s*", r"\1", text)
        return f"{marker}({text})"

    # ----- macros --------------------------------------------------------------------------------
    def _macro(
        self, node: lw.LatexMacroNode, items: list[tuple[str, object]], i: int
    ) -> tuple[Atom | None, int]:
        """Return the atom for a macro and how many following items it swallowed."""
        name = node.macroname
        args = _args(node)
        if name in _DELIM_SIZERS:
            return self._delimiter(name, items, i)
        if name in _FRAC:
            return self._make_frac(
                self.inline(args[-2] if len(args) >= 2 else None), self.inline(args[-1] if args else None)
            ), 0
        if name == "genfrac":
            return self._make_frac(self.inline(args[4]), self.inline(args[5])), 0
        if name in _BINOM:
            return Atom(f"C({self.inline(args[0])}, {self.inline(args[1])})", "func"), 0
        if name == "sqrt":
            return self._sqrt(args[0] if args else None, args[1] if len(args) > 1 else None), 0
        if name in _TEXT:
            body = self.text(args[-1] if args else None)
            return Atom(body.replace(" ", _SOFT), "text"), 0
        if name in _STYLED_LETTERS:
            raw = self.inline(args[-1] if args else None)
            kind = {"Bbb": "mathbb"}.get(name, name)
            return Atom("".join(sym.STYLED.get((kind, ch), ch) for ch in raw), "ord"), 0
        if name in _STYLE:
            if not args:
                return None, 0
            inner = self.math([args[-1]]) if args[-1] is not None else ""
            return Atom(inner, "ord"), 0
        if name == "operatorname":
            return Atom(self.text(args[-1]).strip(), "func"), 0
        if name in ("mathop",):
            return Atom(self.inline(args[0]), "func"), 0
        if name in ("mathbin", "mathrel"):
            return Atom(self.inline(args[0]), "op"), 0
        if name in sym.ACCENTS and args:
            return self._accent(name, self.inline(args[-1])), 0
        if name in ("underbrace", "overbrace", "underbracket", "overbracket"):
            return Atom(self.inline(args[0]) if args else "", "brace"), 0
        if name == "boxed":
            return Atom(BOX_OPEN + self.inline(args[0] if args else None) + BOX_CLOSE, "ord"), 0
        if name == "pmod":
            return Atom(f"{_SOFT}(mod {self.inline(args[0])})", "ord"), 0
        if name == "pod":
            return Atom(f"{_SOFT}({self.inline(args[0])})", "ord"), 0
        if name == "mod":
            return Atom(f"{_SOFT}mod {self.inline(args[0])}", "ord"), 0
        if name == "bmod":
            return Atom("mod", "op"), 0
        if name == "not":
            return self._negate(args[0] if args else None), 0
        if name in ("overset", "stackrel", "underset", "xrightarrow", "xleftarrow"):
            return self._overset(name, args), 0
        if name == "cancelto":
            struck = _flatten(self._accent("cancel", self.inline(args[1])).text)
            return Atom(f"{struck} → {self.inline(args[0])}"), 0
        if name == "substack":
            return Atom(", ".join(filter(None, _flatten(self.inline(args[0])).split("; "))), "ord"), 0
        if name == "tag":
            return Atom(f"{_HARD}{_HARD}({self.text(args[-1]).strip()})", "text"), 0
        if name in ("ref", "eqref"):
            return Atom(f"({self.text(args[-1]).strip()})", "ord"), 0
        if name in ("textcolor", "colorbox"):
            return Atom(self.math([args[-1]]) if args and args[-1] is not None else "", "ord"), 0
        if name == "multicolumn":
            return Atom(self.math([args[2]]) if len(args) > 2 and args[2] is not None else "", "ord"), 0
        if name == "href":
            return Atom(self.text(args[1]) if len(args) > 1 else "", "text"), 0
        if name in _ROW_BREAKS:
            return Atom("\n" if self.display else _SOFT, "newline" if self.display else "space"), 0
        if name in sym.QUADS:
            return Atom(_HARD * sym.QUADS[name], "space"), 0
        if name in sym.SPACES:
            return (Atom(_SOFT, "lit") if sym.SPACES[name] else None), 0
        if name in _IGNORED:
            return None, 0
        if len(name) == 1 and name in sym.ESCAPED_CHARS:
            if name == "{":
                return Atom("{", "open"), 0
            if name == "}":
                return Atom("}", "close"), 0
            if name == "|":
                return Atom("‖", "ord"), 0
            return Atom(name, "ord"), 0
        if name in sym.TEXT_ACCENTS and args:
            body = self.text(args[0])
            return Atom(body[:1] + sym.TEXT_ACCENTS[name] + body[1:], "ord"), 0
        if name in sym.BIG_OPERATORS:
            return Atom(sym.BIG_OPERATORS[name], "bigop"), 0
        if name in _LIMIT_FUNCTIONS:
            return Atom(name, "bigop"), 0
        if name in sym.FUNCTIONS:
            return Atom(name, "func"), 0
        if name in sym.OPENERS:
            return Atom(sym.OPENERS[name], "open"), 0
        if name in sym.CLOSERS:
            return Atom(sym.CLOSERS[name], "close"), 0
        char = sym.COMMANDS.get(name)
        if name in sym.BINARY or name in sym.RELATIONS:
            return Atom(char or name, "op", unary=name in sym.UNARY_CAPABLE), 0
        if char is not None:
            if name == "circ":
                return Atom(char, "lit"), 0
            return Atom(char, "ord"), 0
        if re.fullmatch(r"[A-Za-z]+", name):
            return Atom(name, "func"), 0
        return Atom(name, "ord"), 0

    def _delimiter(self, name: str, items: list[tuple[str, object]], i: int) -> tuple[Atom | None, int]:
        """``\\left(``, ``\\bigr]``...: the sizing command goes, the delimiter stays as an open/close."""
        j = i
        while j < len(items) and items[j][0] == "space":
            j += 1
        if j >= len(items):
            return None, j - i
        kind, payload = items[j]
        side = "close" if name.endswith("r") or name == "right" else "open"
        if name.startswith("middle") or name.endswith("m"):
            side = "lit"
        sized = name in ("left", "right")
        if kind == "char":
            if payload == ".":
                return None, j + 1 - i
            if name in ("big", "Big", "bigg", "Bigg"):
                return self._char(str(payload)), j + 1 - i
            return Atom(str(payload), side, sized=sized), j + 1 - i
        if kind == "macro":
            atom, _ = self._macro(payload, [], 0)  # type: ignore[arg-type]
            if atom is not None and isinstance(atom.text, str) and name not in ("big", "Big", "bigg", "Bigg"):
                atom.kind = side
                atom.sized = sized
            return atom, j + 1 - i
        return None, j - i

    def _sqrt(self, index: lw.LatexNode | None, arg: lw.LatexNode | None) -> Atom:
        body = self.inline(arg)
        if not is_atomic(body) or not body:
            body = f"({body})"
        root = "√"
        if index is not None:
            idx = self.inline(index)
            root = {"2": "√", "3": "∛", "4": "∜"}.get(idx) or (sym.to_superscript(idx) or f"({idx})") + "√"
        return Atom(root + body, "sqrt")

    def _accent(self, name: str, body: str) -> Atom:
        mark = sym.ACCENTS[name]
        body = re.sub(f"[ {_SOFT}{_HARD}]", "", body)
        if not body:
            # \underline{\hphantom{10}} is a blank to fill in: keep it visible
            return Atom(BLANK if name == "underline" else "", "ord")
        if name in sym.ARROW_ACCENTS:
            return Atom(body + mark, "accent")
        return Atom(
            "".join(ch + mark if not ch.isspace() and ch not in (BOX_OPEN, BOX_CLOSE) else ch for ch in body),
            "accent",
        )

    def _negate(self, arg: lw.LatexNode | None) -> Atom:
        if arg is None:
            return Atom("¬", "ord")
        inner = self.inline(arg)
        negated = _NEGATED.get(inner, inner + "\u0338" if inner else "")
        is_rel = (arg.isNodeType(lw.LatexMacroNode) and arg.macroname in sym.RELATIONS) or inner in "=<>"
        return Atom(negated, "op" if is_rel else "ord")

    def _overset(self, name: str, args: list) -> Atom:
        if name in ("xrightarrow", "xleftarrow"):
            base, label = ("→" if name == "xrightarrow" else "←"), self.inline(args[-1] if args else None)
        else:
            base, label = (
                self.inline(args[1] if len(args) > 1 else None),
                self.inline(args[0] if args else None),
            )
        if name == "overset" and base == "=" and label == "?":
            return Atom("≟", "op")
        if not label:
            return Atom(base, "op")
        marker = "_" if name == "underset" else "^"
        convert = sym.to_subscript if marker == "_" else sym.to_superscript
        is_rel = base in "=<>→←≤≥≈≡∼⇒⟹" or name.startswith("x")
        return Atom(base + self._script(label, convert, marker), "op" if is_rel else "ord")

    # ----- environments --------------------------------------------------------------------------
    def _env(self, node: lw.LatexEnvironmentNode) -> str | Box:
        name = node.environmentname.rstrip("*")
        args = _args(node)
        if name in LIST_ENVS:
            return self._list_env(node)
        if name in ("center", "flushleft", "flushright", "minipage", "quote"):
            return self.math(node.nodelist)
        return self._grid_env(name, node.nodelist, args)

    def _list_env(self, node: lw.LatexEnvironmentNode) -> str | Box:
        items: list[list[lw.LatexNode]] = []
        for child in node.nodelist:
            if child.isNodeType(lw.LatexMacroNode) and child.macroname == "item":
                items.append([])
            elif items:
                items[-1].append(child)
        lines: list[str | Box] = [f"• {self.text(item).strip()}" for item in items]
        return vstack(lines) if self.display else "; ".join(map(_flatten, lines))

    def _split_rows(self, nodes: list[lw.LatexNode]) -> tuple[list[list[list[lw.LatexNode]]], set[int]]:
        rows: list[list[list[lw.LatexNode]]] = [[[]]]
        rules: set[int] = set()
        for node in nodes:
            if node.isNodeType(lw.LatexSpecialsNode) and node.specials_chars == "&":
                rows[-1].append([])
            elif node.isNodeType(lw.LatexMacroNode) and node.macroname in _ROW_BREAKS:
                rows.append([[]])
            elif node.isNodeType(lw.LatexMacroNode) and node.macroname in (
                "hline",
                "midrule",
                "toprule",
                "bottomrule",
            ):
                rules.add(len(rows) - 1)
            else:
                rows[-1][-1].append(node)
        while rows and all(_blank(cell) for cell in rows[-1]):
            rows.pop()
        rules = {min(r, len(rows)) for r in rules}
        return rows, rules

    def _grid_env(self, name: str, nodes: list[lw.LatexNode], args: list) -> str | Box:
        rows, rules = self._split_rows(nodes)
        text_mode = name == "tabular"
        cells: list[list[str | Box]] = []
        for row in rows:
            rendered: list[str | Box] = []
            for cell in row:
                value = self.text(cell).strip() if text_mode else self.math(cell)
                rendered.append(value.strip() if isinstance(value, str) else value)
            cells.append(rendered)
        if not cells:
            return ""
        if name in CASES_ENVS:
            return self._cases(name, cells)
        if name in MATRIX_DELIMS:
            spec = self.text(args[-1]) if name in ("array", "tabular", "subarray") and args else ""
            return self._matrix(name, cells, spec, rules)
        return self._align(name, cells)

    def _align(self, name: str, cells: list[list[str | Box]]) -> str | Box:
        cells = [[_space_relation(c) for c in row] for row in cells]
        if not self.display:
            out = ""
            for row in cells:
                line = _finalize(" ".join(_flatten(c) for c in row if _flatten(c))).strip()
                if not line:
                    continue
                joiner = " " if line.startswith(_RELATION_START) else "; "
                out = f"{out}{joiner}{line}" if out else line
            return out
        ncols = max(len(r) for r in cells)
        if ncols == 1:
            return vstack([c[0] for c in cells])
        aligns: list[Align]
        if name == "eqnarray":
            aligns = ["r", "c", "l"] * ncols
            seps = [" "] * ncols
        else:
            aligns = [("r" if i % 2 == 0 else "l") for i in range(ncols)]
            seps = [" " if i % 2 == 0 else "    " for i in range(ncols)]
        return _trim(grid(cells, aligns, seps))

    def _cases(self, name: str, cells: list[list[str | Box]]) -> str | Box:
        if not self.display:
            rows = [", ".join(_flatten(c) for c in row if _flatten(c)) for row in cells]
            rows = [re.sub(r"\s*[,;]$", "", row) for row in rows]  # the row's own comma would give ",;"
            end = ""
            if rows and rows[-1].endswith("."):
                rows[-1], end = rows[-1][:-1], "."
            return "{" + "; ".join(rows) + "}" + end
        body = grid(cells, ["l", "l"], ["   "])
        box = bracket(body, "", "}") if name == "rcases" else bracket(body, "{", "")
        return _trim(box)

    def _matrix(self, name: str, cells: list[list[str | Box]], spec: str, rules: set[int]) -> str | Box:
        left, right = MATRIX_DELIMS[name]
        if not self.display:
            flat = [[_flatten(c) for c in row] for row in cells]
            if all(len(row) == 1 for row in flat):
                body = ", ".join(row[0] for row in flat)
            else:
                body = "; ".join(", ".join(row) for row in flat)
            return f"{left}{body}{right}"
        aligns, seps = _column_spec(spec)
        grid_box = grid(cells, aligns, seps, rules)
        return _trim(bracket(grid_box, left, right)) if left or right else _trim(grid_box)


def _space_relation(cell: str | Box) -> str | Box:
    """``=gcd(…)`` → ``= gcd(…)`` at the start of an alignment cell, where the ``&`` hid the space."""
    # not when the cell already has the space, nor inside "==" or "<=" written out
    if isinstance(cell, str) and len(cell) > 1 and cell.startswith(_RELATION_START) and cell[1] not in " =<>":
        return cell[0] + " " + cell[1:]
    return cell


def _column_spec(spec: str) -> tuple[list[Align], list[str]]:
    """Column alignments and separators from an array spec like ``c|cc`` (``│`` where ``|`` is)."""
    aligns: list[Align] = []
    seps: list[str] = []
    bar = False
    for token in re.findall(r"[lcrpmb](?:\{[^}]*\})?|\|", spec):
        if token == "|":
            bar = True
            continue
        if aligns:
            seps.append(" │ " if bar else "  ")
        bar = False
        aligns.append("c" if token[0] == "c" else "r" if token[0] == "r" else "l")
    return aligns + ["r"] * 50, seps + ["  "] * 50


def _trim(box: Box) -> Box:
    return Box([line.rstrip() for line in box.lines], box.base)


def _blank(nodes: list[lw.LatexNode]) -> bool:
    for node in nodes:
        if node.isNodeType(lw.LatexCharsNode) and not node.chars.strip():
            continue
        if node.isNodeType(lw.LatexCommentNode):
            continue
        return False
    return True


def _args(node: lw.LatexNode) -> list:
    argd = getattr(node, "nodeargd", None)
    if argd is None or not getattr(argd, "argnlist", None):
        return []
    return list(argd.argnlist)


# ----- joining atoms ------------------------------------------------------------------------------
_OPERAND = {"ord", "close", "frac", "func", "sqrt", "accent"}
_OPERAND_AFTER = set("ord open frac sqrt func bigop accent".split())  # noqa: SIM905 - a compact table


def _merge_bracketed(atoms: list[Atom]) -> None:
    """Fold ``( ... )`` ending the list into one atom, so a script after it applies to all of it."""
    depth = 0
    for j in range(len(atoms) - 1, -1, -1):
        if atoms[j].kind == "close":
            depth += 1
        elif atoms[j].kind == "open":
            depth -= 1
            if depth == 0:
                run = atoms[j:]
                if any(isinstance(a.text, Box) for a in run):
                    tall = _tall_delimiters(run)
                    if tall is not None:
                        del atoms[j:]
                        atoms.append(tall)
                    return
                del atoms[j:]
                atoms.append(Atom(_join_line(run), "ord"))
                return


def _tall_delimiters(run: list[Atom]) -> Atom | None:
    """``\\left\\{`` box ``\\right.`` (or ``\\right)``…) as one box with brackets as tall as it."""
    solid = [a for a in run if a.kind != "space"]
    if len(solid) not in (2, 3) or solid[0].kind != "open" or not solid[0].sized:
        return None
    box = solid[1].text
    if not isinstance(box, Box) or box.height < 2:
        return None
    close = solid[2] if len(solid) == 3 else None
    if close is not None and not (close.kind == "close" and close.sized and isinstance(close.text, str)):
        return None
    left = solid[0].text if isinstance(solid[0].text, str) else ""
    right = close.text if close is not None and isinstance(close.text, str) else ""
    return Atom(_trim(bracket(box, left, right)), "ord")


def _grow_delimiters(atoms: list[Atom]) -> list[Atom]:
    """Apply ``_tall_delimiters`` wherever a sized open, one box and a sized close (or the end) meet."""
    out: list[Atom] = []
    index = 0
    while index < len(atoms):
        atom = atoms[index]
        if atom.kind == "open" and atom.sized:
            j = index + 1
            while j < len(atoms) and atoms[j].kind == "space":
                j += 1
            if j < len(atoms) and isinstance(atoms[j].text, Box):
                k = j + 1
                while k < len(atoms) and atoms[k].kind == "space":
                    k += 1
                end = k + 1 if k < len(atoms) and atoms[k].kind == "close" else k
                tall = _tall_delimiters(atoms[index:end]) if end == k + 1 or k == len(atoms) else None
                if tall is not None:
                    out.append(tall)
                    index = end
                    continue
        out.append(atom)
        index += 1
    return out


def _neighbour(atoms: list[Atom], index: int, step: int) -> Atom | None:
    j = index + step
    while 0 <= j < len(atoms):
        if atoms[j].kind != "space":
            return atoms[j]
        j += step
    return None


def _wrap_fractions(atoms: list[Atom]) -> None:
    for index, atom in enumerate(atoms):
        if atom.kind != "frac" or isinstance(atom.text, Box):
            continue
        prev, nxt = _neighbour(atoms, index, -1), _neighbour(atoms, index, 1)
        prev_text = _visible(_flatten(prev.text)) if prev else ""
        proper = re.fullmatch(r"(\d+)/(\d+)", atom.text)
        after_digit = prev is not None and prev.kind == "ord" and prev_text[-1:].isdigit()
        if after_digit and proper and int(proper.group(1)) < int(proper.group(2)):
            atom.text = _SOFT + atom.text  # a mixed number: 5 3/7; 3 160/3 is a product
            atom.kind = "ord"
            continue
        glued = atoms[index + 1] if index + 1 < len(atoms) else None
        glued_text = (
            glued is not None and glued.kind == "text" and _visible(_flatten(glued.text))[:1].isalnum()
        )
        if (
            (prev and prev.kind in _OPERAND and not (prev.kind == "text" or prev_text.endswith(" ")))
            or (nxt and nxt.kind in _OPERAND_AFTER)
            or glued_text  # 1/540 Re(w), not 1/540Re(w)
        ):
            atom.text = f"({atom.text})"
            atom.kind = "ord"


_SPACED_KINDS = {"lit", "op", "text", "newline"}
_PLAIN_SCRIPT_END = re.compile(r"[_^][^\W_]$")
"""A one-character script written with ``_``/``^`` (no Unicode form): a letter after it would join it."""


def _keeps_space(atoms: list[Atom], index: int) -> bool:
    """Source spaces only count next to operators and text: ``2 \\pi x`` is ``2πx``, ``a + b`` stays."""
    prev, nxt = _neighbour(atoms, index, -1), _neighbour(atoms, index, 1)
    if prev is None or nxt is None:
        return False
    if prev.kind in ("func", "bigop"):
        return nxt.kind in _SPACED_KINDS
    return prev.kind in _SPACED_KINDS or nxt.kind in _SPACED_KINDS


def _emit(atoms: list[Atom]) -> str:
    out: list[str] = []
    last = None
    for index, atom in enumerate(atoms):
        text = atom.text if isinstance(atom.text, str) else _flatten(atom.text)
        if (
            last is not None
            and atom.kind != "space"
            and _PLAIN_SCRIPT_END.search(_visible(_flatten(last.text)))
            and _visible(text)[:1].isalnum()
            and out
            and not out[-1].endswith((" ", _SOFT))
        ):
            out.append(_SOFT)  # P_A P_B, not P_AP_B (which reads as P sub AP)
        if atom.kind == "space":
            if _HARD in text or _keeps_space(atoms, index):
                out.append(text)
            continue
        if atom.kind == "op":
            if atom.unary and (last is None or last.kind in ("op", "lit", "open", "bigop")):
                out.append(text)
            else:
                out.append(_SOFT + text + _SOFT)
        else:
            if (
                atom.kind == "func"
                and last is not None
                and last.kind in ("ord", "close", "accent", "sqrt")
                and not (out and out[-1].endswith((" ", _SOFT)))
            ):
                out.append(_SOFT)
            out.append(text)
        if atom.kind in ("func", "bigop"):
            nxt = _neighbour(atoms, index, 1)
            if atom.kind == "func":
                spaced = (
                    nxt is not None
                    and nxt.kind in ("ord", "func", "sqrt", "accent", "text", "bigop")
                    and not _flatten(nxt.text).startswith("(")
                )
            else:
                spaced = nxt is not None and nxt.kind not in ("close", "lit", "op", "space", "newline")
            if spaced:
                out.append(_SOFT)
        if atom.kind == "sqrt" and not text.endswith(")"):
            nxt = atoms[index + 1] if index + 1 < len(atoms) else None
            if (
                nxt is not None
                and nxt.kind in ("ord", "func", "frac", "accent")
                and _flatten(nxt.text)[:1].isalnum()
            ):
                out.append(_SOFT)
        last = atom
    return "".join(out)


def _join_line(atoms: list[Atom]) -> str | Box:
    atoms = _grow_delimiters(atoms)
    _wrap_fractions(atoms)
    if not any(isinstance(a.text, Box) for a in atoms):
        return _finalize(_emit(atoms))
    parts: list[str | Box] = []
    run: list[Atom] = []
    for atom in atoms:
        if isinstance(atom.text, Box):
            if run:
                parts.append(_finalize(_emit(run)))
                run = []
            parts.append(atom.text)
        else:
            run.append(atom)
    if run:
        parts.append(_finalize(_emit(run)))
    cleaned: list[str | Box] = []
    for i, part in enumerate(parts):
        prev_part = parts[i - 1] if i else None
        if isinstance(part, str) and isinstance(prev_part, Box) and re.fullmatch(r"[.,;:]\s*", part):
            # trailing punctuation sits on the last line of a matrix, not on its middle line
            cleaned.append(Box([""] * (prev_part.height - 1 - prev_part.base) + [part.strip()], 0))
            continue
        if isinstance(part, str):
            part = part.lstrip() if i == 0 else part
            part = part.rstrip() if i == len(parts) - 1 else part
            if (
                isinstance(parts[i - 1] if i else None, Box)
                and part
                and not part.startswith(" ")
                and part[0] not in ".,;:!?)"
            ):
                part = " " + part
            if i + 1 < len(parts) and part and not part.endswith(" "):
                part += " "
        cleaned.append(part)
    return _trim(hconcat(cleaned))


def _join_atoms(atoms: list[Atom]) -> str | Box:
    if not any(a.kind == "newline" for a in atoms):
        return _join_line(atoms)
    rows: list[list[Atom]] = [[]]
    for atom in atoms:
        if atom.kind == "newline":
            rows.append([])
        else:
            rows[-1].append(atom)
    rendered = [_join_line(r) for r in rows]
    rendered = [r.strip() if isinstance(r, str) else r for r in rendered]
    rendered = [r for r in rendered if not (isinstance(r, str) and not r)]
    if len(rendered) == 1:
        return rendered[0]
    return vstack(rendered) if rendered else ""


# ----- public functions ---------------------------------------------------------------------------
def _parse(src: str) -> list[lw.LatexNode]:
    walker = lw.LatexWalker(src, latex_context=_DB, tolerant_parsing=True)
    nodes, _, _ = walker.get_latex_nodes(parsing_state=walker.make_parsing_state(in_math_mode=True))
    return nodes


def _prepare(src: str) -> str:
    src = re.sub(r"(?<!\\)%", r"\\%", src)
    return src.replace("\u00a0", " ")


def crude(src: str) -> str:
    """Last-resort conversion for input the parser cannot take: symbols replaced, commands dropped."""
    import unicodeit

    text = unicodeit.replace(src)
    text = re.sub(r"\\([A-Za-z]+)", lambda m: sym.COMMANDS.get(m.group(1), m.group(1)), text)
    text = re.sub(r"\\(.)", r"\1", text)
    return re.sub(r"[{}]", "", text)


def math_to_text(src: str, *, display: bool = False, vulgar: bool = True) -> str:
    """Convert the inside of one formula (no ``$``) to Unicode text.

    ``display=True`` lays environments out on several lines (align, cases, matrices);
    otherwise the result is one line. ``vulgar`` allows ``½``-style fractions.
    ``\\boxed{x}`` comes back wrapped in ``BOX_OPEN``/``BOX_CLOSE`` markers.
    """
    src = _prepare(src.strip())
    if not src:
        return ""
    if len(src) > MAX_SOURCE_CHARS:
        return crude(src)
    converter = _Converter(display=display, vulgar=vulgar)
    try:
        result = converter.math(_parse(src), top=display)
    except (RecursionError, lw.LatexWalkerError, IndexError, AttributeError, TypeError, ValueError):
        return crude(src)
    text = result.text() if isinstance(result, Box) else result
    text = "\n".join(line.rstrip() for line in text.strip("\n").split("\n"))
    return text if display else " ".join(text.split("\n")).strip()


def latex_text_to_text(src: str) -> str:
    """Convert text-mode LaTeX (a tabular, a ``\\textbf{}`` in prose) to Unicode text."""
    src = _prepare(src)
    converter = _Converter(display=True, vulgar=True)
    try:
        walker = lw.LatexWalker(src, latex_context=_DB, tolerant_parsing=True)
        nodes, _, _ = walker.get_latex_nodes()
    except (RecursionError, lw.LatexWalkerError):
        return crude(src)
    parts: list[str] = []
    for node in nodes:
        if node.isNodeType(lw.LatexEnvironmentNode):
            result = converter._env(node)
            parts.append(result.text() if isinstance(result, Box) else result)
        else:
            parts.append(converter.text([node]))
    return "".join(parts).strip()
