"""LaTeX commands → atoms: one handler per kind of command, found by name in one table (``MACROS``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from pylatexenc import latexwalker as lw

from .. import symbols as sym
from .atoms import BLANK, BOX_CLOSE, BOX_OPEN, HARD, SOFT, Atom, char_atom, flatten, is_atomic, script
from .grammar import (
    BINOM,
    DELIM_SIZERS,
    FRAC,
    IGNORED,
    LIMIT_FUNCTIONS,
    ROW_BREAKS,
    STYLE,
    STYLED_LETTERS,
    TEXT,
    args_of,
)

if TYPE_CHECKING:
    from .converter import Converter

Handler = Callable[["Converter", str, list], "Atom | None"]
"""``(converter, command name, parsed arguments)`` → the atom, or ``None`` when it prints nothing."""

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


def macro(
    c: Converter, node: lw.LatexMacroNode, items: list[tuple[str, object]] | None = None, i: int = 0
) -> tuple[Atom | None, int]:
    """The atom for a command, and how many of the ``items`` after it (from ``i``) it swallowed: a
    sizing command (``\\left``, ``\\bigr``) takes the delimiter that follows it."""
    name = node.macroname
    if name in DELIM_SIZERS:
        return _delimiter(c, name, items or [], i)
    return MACROS.get(name, _unknown)(c, name, args_of(node)), 0


def _delimiter(c: Converter, name: str, items: list[tuple[str, object]], i: int) -> tuple[Atom | None, int]:
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
            return char_atom(str(payload)), j + 1 - i
        return Atom(str(payload), side, sized=sized), j + 1 - i
    if kind == "macro":
        atom, _ = macro(c, payload)  # type: ignore[arg-type]
        if atom is not None and isinstance(atom.text, str) and name not in ("big", "Big", "bigg", "Bigg"):
            atom.kind = side
            atom.sized = sized
        return atom, j + 1 - i
    return None, j - i


def text_macro(c: Converter, node: lw.LatexMacroNode) -> str:
    """A command met in text mode (``\\text{...}``, a tabular cell) as plain text."""
    name = node.macroname
    args = args_of(node)
    if name in sym.TEXT_ACCENTS:
        body = c.text(args[0]) if args else ""
        return body[:1] + sym.TEXT_ACCENTS[name] + body[1:] if body else ""
    if name in TEXT or name in STYLE:
        return c.text(args[-1]) if args else ""
    if name in ROW_BREAKS:
        return " "
    atom = macro(c, node)[0]
    return flatten(atom.text) if atom else ""


# ----- handlers -----------------------------------------------------------------------------------
def _frac(c: Converter, name: str, args: list) -> Atom:
    return c.make_frac(c.inline(args[-2] if len(args) >= 2 else None), c.inline(args[-1] if args else None))


def _styled_letters(c: Converter, name: str, args: list) -> Atom:
    raw = c.inline(args[-1] if args else None)
    kind = {"Bbb": "mathbb"}.get(name, name)
    return Atom("".join(sym.STYLED.get((kind, ch), ch) for ch in raw), "ord")


def _style(c: Converter, name: str, args: list) -> Atom | None:
    if not args:
        return None
    inner = c.math([args[-1]]) if args[-1] is not None else ""
    return Atom(inner, "ord")


def _sqrt(c: Converter, name: str, args: list) -> Atom:
    index, arg = (args[0] if args else None), (args[1] if len(args) > 1 else None)
    body = c.inline(arg)
    if not is_atomic(body) or not body:
        body = f"({body})"
    root = "√"
    if index is not None:
        idx = c.inline(index)
        root = {"2": "√", "3": "∛", "4": "∜"}.get(idx) or (sym.to_superscript(idx) or f"({idx})") + "√"
    return Atom(root + body, "sqrt")


def accent(name: str, body: str) -> Atom:
    """``body`` with the accent ``\\name`` on every character (an arrow on the last one only)."""
    mark = sym.ACCENTS[name]
    body = re.sub(f"[ {SOFT}{HARD}]", "", body)
    if not body:
        # \underline{\hphantom{10}} is a blank to fill in: keep it visible
        return Atom(BLANK if name == "underline" else "", "ord")
    if name in sym.ARROW_ACCENTS:
        return Atom(body + mark, "accent")
    return Atom(
        "".join(ch + mark if not ch.isspace() and ch not in (BOX_OPEN, BOX_CLOSE) else ch for ch in body),
        "accent",
    )


def _accent(c: Converter, name: str, args: list) -> Atom:
    return accent(name, c.inline(args[-1]))


def _text_accent(c: Converter, name: str, args: list) -> Atom:
    body = c.text(args[0])
    return Atom(body[:1] + sym.TEXT_ACCENTS[name] + body[1:], "ord")


def _negate(c: Converter, name: str, args: list) -> Atom:
    arg = args[0] if args else None
    if arg is None:
        return Atom("¬", "ord")
    inner = c.inline(arg)
    negated = _NEGATED.get(inner, inner + "\u0338" if inner else "")
    is_rel = (arg.isNodeType(lw.LatexMacroNode) and arg.macroname in sym.RELATIONS) or inner in "=<>"
    return Atom(negated, "op" if is_rel else "ord")


def _overset(c: Converter, name: str, args: list) -> Atom:
    if name in ("xrightarrow", "xleftarrow"):
        base, label = ("→" if name == "xrightarrow" else "←"), c.inline(args[-1] if args else None)
    else:
        base, label = (
            c.inline(args[1] if len(args) > 1 else None),
            c.inline(args[0] if args else None),
        )
    if name == "overset" and base == "=" and label == "?":
        return Atom("≟", "op")
    if not label:
        return Atom(base, "op")
    marker = "_" if name == "underset" else "^"
    convert = sym.to_subscript if marker == "_" else sym.to_superscript
    is_rel = base in "=<>→←≤≥≈≡∼⇒⟹" or name.startswith("x")
    return Atom(base + script(label, convert, marker), "op" if is_rel else "ord")


def _cancelto(c: Converter, name: str, args: list) -> Atom:
    struck = flatten(accent("cancel", c.inline(args[1])).text)
    return Atom(f"{struck} → {c.inline(args[0])}")


def _colored(c: Converter, name: str, args: list) -> Atom:
    return Atom(c.math([args[-1]]) if args and args[-1] is not None else "", "ord")


def _multicolumn(c: Converter, name: str, args: list) -> Atom:
    return Atom(c.math([args[2]]) if len(args) > 2 and args[2] is not None else "", "ord")


def _escaped(c: Converter, name: str, args: list) -> Atom:
    if name == "{":
        return Atom("{", "open")
    if name == "}":
        return Atom("}", "close")
    if name == "|":
        return Atom("‖", "ord")
    return Atom(name, "ord")


def _operator(c: Converter, name: str, args: list) -> Atom:
    return Atom(sym.COMMANDS.get(name) or name, "op", unary=name in sym.UNARY_CAPABLE)


def _symbol(c: Converter, name: str, args: list) -> Atom:
    return Atom(sym.COMMANDS[name], "lit" if name == "circ" else "ord")


def _unknown(c: Converter, name: str, args: list) -> Atom:
    """A command nobody knows: a name like ``\\foo`` reads as a function name, anything else as itself."""
    return Atom(name, "func" if re.fullmatch(r"[A-Za-z]+", name) else "ord")


# ----- the table ----------------------------------------------------------------------------------
_RULES: list[tuple[Collection[str], Handler]] = [
    (FRAC, _frac),
    (["genfrac"], lambda c, n, a: c.make_frac(c.inline(a[4]), c.inline(a[5]))),
    (BINOM, lambda c, n, a: Atom(f"C({c.inline(a[0])}, {c.inline(a[1])})", "func")),
    (["sqrt"], _sqrt),
    (TEXT, lambda c, n, a: Atom(c.text(a[-1] if a else None).replace(" ", SOFT), "text")),
    (STYLED_LETTERS, _styled_letters),
    (STYLE, _style),
    (["operatorname"], lambda c, n, a: Atom(c.text(a[-1]).strip(), "func")),
    (["mathop"], lambda c, n, a: Atom(c.inline(a[0]), "func")),
    (["mathbin", "mathrel"], lambda c, n, a: Atom(c.inline(a[0]), "op")),
    (sym.ACCENTS, _accent),
    (
        ["underbrace", "overbrace", "underbracket", "overbracket"],
        lambda c, n, a: Atom(c.inline(a[0]) if a else "", "brace"),
    ),
    (["boxed"], lambda c, n, a: Atom(BOX_OPEN + c.inline(a[0] if a else None) + BOX_CLOSE, "ord")),
    (["pmod"], lambda c, n, a: Atom(f"{SOFT}(mod {c.inline(a[0])})", "ord")),
    (["pod"], lambda c, n, a: Atom(f"{SOFT}({c.inline(a[0])})", "ord")),
    (["mod"], lambda c, n, a: Atom(f"{SOFT}mod {c.inline(a[0])}", "ord")),
    (["bmod"], lambda c, n, a: Atom("mod", "op")),
    (["not"], _negate),
    (["overset", "stackrel", "underset", "xrightarrow", "xleftarrow"], _overset),
    (["cancelto"], _cancelto),
    (["substack"], lambda c, n, a: Atom(", ".join(filter(None, flatten(c.inline(a[0])).split("; "))), "ord")),
    (["tag"], lambda c, n, a: Atom(f"{HARD}{HARD}({c.text(a[-1]).strip()})", "text")),
    (["ref", "eqref"], lambda c, n, a: Atom(f"({c.text(a[-1]).strip()})", "ord")),
    (
        ["textcolor", "colorbox"],
        lambda c, n, a: Atom(c.math([a[-1]]) if a and a[-1] is not None else "", "ord"),
    ),
    (["multicolumn"], lambda c, n, a: Atom(c.math([a[2]]) if len(a) > 2 and a[2] is not None else "", "ord")),
    (["href"], lambda c, n, a: Atom(c.text(a[1]) if len(a) > 1 else "", "text")),
    (ROW_BREAKS, lambda c, n, a: Atom("\n", "newline") if c.display else Atom(SOFT, "space")),
    (sym.QUADS, lambda c, n, a: Atom(HARD * sym.QUADS[n], "space")),
    (sym.SPACES, lambda c, n, a: Atom(SOFT, "lit") if sym.SPACES[n] else None),
    (IGNORED, lambda c, n, a: None),
    (sym.ESCAPED_CHARS, _escaped),
    (sym.TEXT_ACCENTS, _text_accent),
    (sym.BIG_OPERATORS, lambda c, n, a: Atom(sym.BIG_OPERATORS[n], "bigop")),
    (LIMIT_FUNCTIONS, lambda c, n, a: Atom(n, "bigop")),
    (sym.FUNCTIONS, lambda c, n, a: Atom(n, "func")),
    (sym.OPENERS, lambda c, n, a: Atom(sym.OPENERS[n], "open")),
    (sym.CLOSERS, lambda c, n, a: Atom(sym.CLOSERS[n], "close")),
    (sym.BINARY | sym.RELATIONS, _operator),
    (sym.COMMANDS, _symbol),
]
"""Which handler takes which commands. Where a name is in several rows the first row wins."""

_ONLY_WITH_ARGS = (_accent, _text_accent)
"""Handlers that take a command only when it has arguments (``\\hat`` at the very end does not)."""


def _or_else(handler: Handler, fallback: Handler) -> Handler:
    return lambda c, name, args: handler(c, name, args) if args else fallback(c, name, args)


def _table(rules: list[tuple[Collection[str], Handler]]) -> dict[str, Handler]:
    table: dict[str, Handler] = {}
    for names, handler in reversed(rules):  # built from the last row up, so an earlier row wins
        for name in names:
            if handler in _ONLY_WITH_ARGS:
                table[name] = _or_else(handler, table.get(name, _unknown))
            else:
                table[name] = handler
    return table


MACROS: dict[str, Handler] = _table(_RULES)
"""Command name (no backslash) → its handler; a name not here goes to ``_unknown``."""
