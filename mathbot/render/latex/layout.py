"""Laying atoms out: spacing between them, brackets where a fraction needs them, rows and tall boxes."""

from __future__ import annotations

import re

from ..boxes import Box, bracket, hconcat, vstack
from .atoms import HARD, SOFT, Atom, finalize, flatten, trim, visible

_OPERAND = {"ord", "close", "frac", "func", "sqrt", "accent"}
_OPERAND_AFTER = set("ord open frac sqrt func bigop accent".split())  # noqa: SIM905 - a compact table


def merge_bracketed(atoms: list[Atom]) -> None:
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
    return Atom(trim(bracket(box, left, right)), "ord")


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
        prev_text = visible(flatten(prev.text)) if prev else ""
        proper = re.fullmatch(r"(\d+)/(\d+)", atom.text)
        after_digit = prev is not None and prev.kind == "ord" and prev_text[-1:].isdigit()
        if after_digit and proper and int(proper.group(1)) < int(proper.group(2)):
            atom.text = SOFT + atom.text  # a mixed number: 5 3/7; 3 160/3 is a product
            atom.kind = "ord"
            continue
        glued = atoms[index + 1] if index + 1 < len(atoms) else None
        glued_text = glued is not None and glued.kind == "text" and visible(flatten(glued.text))[:1].isalnum()
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
        text = atom.text if isinstance(atom.text, str) else flatten(atom.text)
        if (
            last is not None
            and atom.kind != "space"
            and _PLAIN_SCRIPT_END.search(visible(flatten(last.text)))
            and visible(text)[:1].isalnum()
            and out
            and not out[-1].endswith((" ", SOFT))
        ):
            out.append(SOFT)  # P_A P_B, not P_AP_B (which reads as P sub AP)
        if atom.kind == "space":
            if HARD in text or _keeps_space(atoms, index):
                out.append(text)
            continue
        if atom.kind == "op":
            if atom.unary and (last is None or last.kind in ("op", "lit", "open", "bigop")):
                out.append(text)
            else:
                out.append(SOFT + text + SOFT)
        else:
            if (
                atom.kind == "func"
                and last is not None
                and last.kind in ("ord", "close", "accent", "sqrt")
                and not (out and out[-1].endswith((" ", SOFT)))
            ):
                out.append(SOFT)
            out.append(text)
        if atom.kind in ("func", "bigop"):
            nxt = _neighbour(atoms, index, 1)
            if atom.kind == "func":
                spaced = (
                    nxt is not None
                    and nxt.kind in ("ord", "func", "sqrt", "accent", "text", "bigop")
                    and not flatten(nxt.text).startswith("(")
                )
            else:
                spaced = nxt is not None and nxt.kind not in ("close", "lit", "op", "space", "newline")
            if spaced:
                out.append(SOFT)
        if atom.kind == "sqrt" and not text.endswith(")"):
            nxt = atoms[index + 1] if index + 1 < len(atoms) else None
            if (
                nxt is not None
                and nxt.kind in ("ord", "func", "frac", "accent")
                and flatten(nxt.text)[:1].isalnum()
            ):
                out.append(SOFT)
        last = atom
    return "".join(out)


def _join_line(atoms: list[Atom]) -> str | Box:
    atoms = _grow_delimiters(atoms)
    _wrap_fractions(atoms)
    if not any(isinstance(a.text, Box) for a in atoms):
        return finalize(_emit(atoms))
    parts: list[str | Box] = []
    run: list[Atom] = []
    for atom in atoms:
        if isinstance(atom.text, Box):
            if run:
                parts.append(finalize(_emit(run)))
                run = []
            parts.append(atom.text)
        else:
            run.append(atom)
    if run:
        parts.append(finalize(_emit(run)))
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
    return trim(hconcat(cleaned))


def join_atoms(atoms: list[Atom]) -> str | Box:
    """The atoms as text: one line, or a box when a row break or a multi-line part is among them."""
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
