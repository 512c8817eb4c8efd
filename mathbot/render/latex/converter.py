"""The converter: parsed LaTeX → atoms → text, with scripts, fractions and delimiters; commands are
looked up in ``macros``, environments laid out by ``environments``."""

from __future__ import annotations

import re

from pylatexenc import latexwalker as lw

from .. import symbols as sym
from ..boxes import Box
from ..boxes import width as box_width
from .atoms import SOFT, Atom, bracketed, char_atom, flatten, is_atomic, needs_parens, script, trim, visible
from .environments import environment, grid_env, has_grid_markers
from .grammar import FRAC, INFIX, STYLE, STYLED_LETTERS, TEXT, args_of
from .layout import join_atoms, merge_bracketed
from .macros import macro, text_macro


class Converter:
    """Turns parsed LaTeX into text or boxes."""

    display: bool
    """Lay environments out on several lines (else everything is one line)."""
    vulgar: bool
    """Write ``½``-style fractions where Unicode has them."""

    def __init__(self, *, display: bool, vulgar: bool) -> None:
        self.display = display
        self.vulgar = vulgar

    # ----- entry points -------------------------------------------------------------------------
    def math(self, nodes: list[lw.LatexNode], *, top: bool = False) -> str | Box:
        """Render math-mode nodes; at the ``top`` of a display, bare ``&`` and ``\\\\`` make an alignment."""
        if top and has_grid_markers(nodes):
            return grid_env(self, "align*", nodes, [])
        return self._join(self._atoms(self._items(nodes, math=True)))

    def inline(self, node_or_nodes: lw.LatexNode | list[lw.LatexNode] | None) -> str:
        """Render an argument on one line (fraction parts, scripts, roots)."""
        if node_or_nodes is None:
            return ""
        nodes = node_or_nodes if isinstance(node_or_nodes, list) else [node_or_nodes]
        saved, self.display = self.display, False
        try:
            return flatten(self.math(nodes)).strip()
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
                out.append(text_macro(self, node))
            elif node.isNodeType(lw.LatexEnvironmentNode):
                out.append(flatten(environment(self, node)))
        return re.sub(r"\s+", " ", "".join(out))

    # ----- items ---------------------------------------------------------------------------------
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
                if getattr(node, "macro_post_space", "") and not args_of(node):
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
        return join_atoms(atoms)

    # ----- atoms ---------------------------------------------------------------------------------
    def _atoms(self, items: list[tuple[str, object]]) -> list[Atom]:
        for index, (kind, payload) in enumerate(items):
            if kind == "macro" and payload.macroname in INFIX:  # type: ignore[attr-defined]
                left = self._inline_items(items[:index])
                right = self._inline_items(items[index + 1 :])
                return [self._infix(INFIX[payload.macroname], left, right)]  # type: ignore[attr-defined]
        atoms: list[Atom] = []
        i = 0
        while i < len(items):
            kind, payload = items[i]
            if kind == "char" and payload in ("^", "_"):
                i = self._scripts(items, i, atoms)
                continue
            i += 1
            if kind == "space" or kind == "amp":
                atoms.append(Atom(SOFT, "space"))
            elif kind == "char":
                atoms.append(char_atom(str(payload)))
            elif kind == "group":
                atoms.append(self._group(payload))
            elif kind == "env":
                atoms.append(Atom(environment(self, payload), "ord"))
            elif kind == "macro":
                atom, consumed = macro(self, payload, items, i)
                i += consumed
                if atom is not None:
                    atoms.append(atom)
        return atoms

    def _inline_items(self, items: list[tuple[str, object]]) -> str:
        saved, self.display = self.display, False
        try:
            return flatten(self._render_items(items)).strip()
        finally:
            self.display = saved

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
            return self.make_frac(left, right)
        if kind == "binom":
            return Atom(f"C({left}, {right})", "ord")
        pair = {"brace": ("{", "}"), "brack": ("[", "]")}.get(kind, ("(", ")"))
        return Atom(f"{pair[0]}{left} over {right}{pair[1]}", "ord")

    def make_frac(self, num: str, den: str) -> Atom:
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
                and arg[1].macroname in TEXT | STYLE | STYLED_LETTERS | FRAC | {"sqrt"}  # type: ignore[attr-defined]
                and not args_of(arg[1])
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
            merge_bracketed(atoms)
        base = atoms.pop() if atoms else Atom("", "ord")
        atoms.append(self._attach(base, sub, sup))
        return i

    def _attach(self, base: Atom, sub: list | None, sup: list | None) -> Atom:
        if isinstance(base.text, Box) and base.kind != "brace":
            # a matrix to a power: the exponent at its top right, not the matrix flattened into a line
            box = base.text
            lines = [line + " " * (box.width - box_width(line)) for line in box.lines]
            if sup is not None:
                lines[0] += script(self._inline_items(sup), sym.to_superscript, "^")
            if sub is not None:
                lines[-1] += script(self._inline_items(sub), sym.to_subscript, "_")
            return Atom(trim(Box(lines, box.base)), "ord")
        text = flatten(base.text)
        if base.kind == "brace" and (sub or sup):
            label = self._inline_items(sub or sup or [])
            return Atom(f"{text} ({label})", "ord")
        if (
            text
            and text != "!"  # n!^2: the script goes on the factorial sign, as TeX draws it
            and base.kind != "close"  # an evaluation bar, \\right|_{x=0}: not "(|)ₓ₌₀"
            and base.kind not in ("func", "bigop", "op", "lit")
            and (base.kind in ("frac", "sqrt") or not is_atomic(text))
            and not bracketed(visible(text))
            and base.kind not in ("accent", "text")
        ):
            text = f"({text})"
        if sub is not None:
            text += script(self._inline_items(sub), sym.to_subscript, "_")
        if sup is not None:
            sup_text = self._inline_items(sup)
            text += script(sup_text, sym.to_superscript, "^")
        kind = base.kind if base.kind in ("func", "bigop", "op", "lit") else "ord"
        return Atom(text, kind, unary=base.unary)
