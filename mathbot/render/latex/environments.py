"""LaTeX environments → text or boxes: lists, and the grids of align, cases, matrices and tables."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pylatexenc import latexwalker as lw

from ..boxes import Align, Box, bracket, grid, vstack
from .atoms import RELATION_START, finalize, flatten, trim
from .grammar import CASES_ENVS, LIST_ENVS, MATRIX_DELIMS, ROW_BREAKS, args_of

if TYPE_CHECKING:
    from .converter import Converter


def environment(c: Converter, node: lw.LatexEnvironmentNode) -> str | Box:
    """One ``\\begin{...}...\\end{...}``: a list, a plain block, or a grid (align, cases, matrices)."""
    name = node.environmentname.rstrip("*")
    args = args_of(node)
    if name in LIST_ENVS:
        return _list_env(c, node)
    if name in ("center", "flushleft", "flushright", "minipage", "quote"):
        return c.math(node.nodelist)
    return grid_env(c, name, node.nodelist, args)


def has_grid_markers(nodes: list[lw.LatexNode]) -> bool:
    """Are there ``&`` or ``\\\\`` among the nodes (an alignment written without an environment)?"""
    for node in nodes:
        if node.isNodeType(lw.LatexSpecialsNode) and node.specials_chars == "&":
            return True
        if node.isNodeType(lw.LatexMacroNode) and node.macroname in ROW_BREAKS:
            return True
    return False


def _list_env(c: Converter, node: lw.LatexEnvironmentNode) -> str | Box:
    items: list[list[lw.LatexNode]] = []
    for child in node.nodelist:
        if child.isNodeType(lw.LatexMacroNode) and child.macroname == "item":
            items.append([])
        elif items:
            items[-1].append(child)
    lines: list[str | Box] = [f"• {c.text(item).strip()}" for item in items]
    return vstack(lines) if c.display else "; ".join(map(flatten, lines))


def _split_rows(nodes: list[lw.LatexNode]) -> tuple[list[list[list[lw.LatexNode]]], set[int]]:
    rows: list[list[list[lw.LatexNode]]] = [[[]]]
    rules: set[int] = set()
    for node in nodes:
        if node.isNodeType(lw.LatexSpecialsNode) and node.specials_chars == "&":
            rows[-1].append([])
        elif node.isNodeType(lw.LatexMacroNode) and node.macroname in ROW_BREAKS:
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


def grid_env(c: Converter, name: str, nodes: list[lw.LatexNode], args: list) -> str | Box:
    """Nodes cut into rows (``\\\\``) and cells (``&``), laid out as the environment ``name`` wants."""
    rows, rules = _split_rows(nodes)
    text_mode = name == "tabular"
    cells: list[list[str | Box]] = []
    for row in rows:
        rendered: list[str | Box] = []
        for cell in row:
            value = c.text(cell).strip() if text_mode else c.math(cell)
            rendered.append(value.strip() if isinstance(value, str) else value)
        cells.append(rendered)
    if not cells:
        return ""
    if name in CASES_ENVS:
        return _cases(c, name, cells)
    if name in MATRIX_DELIMS:
        spec = c.text(args[-1]) if name in ("array", "tabular", "subarray") and args else ""
        return _matrix(c, name, cells, spec, rules)
    return _align(c, name, cells)


def _align(c: Converter, name: str, cells: list[list[str | Box]]) -> str | Box:
    cells = [[_space_relation(c) for c in row] for row in cells]
    if not c.display:
        out = ""
        for row in cells:
            line = finalize(" ".join(flatten(c) for c in row if flatten(c))).strip()
            if not line:
                continue
            joiner = " " if line.startswith(RELATION_START) else "; "
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
    return trim(grid(cells, aligns, seps))


def _cases(c: Converter, name: str, cells: list[list[str | Box]]) -> str | Box:
    if not c.display:
        rows = [", ".join(flatten(c) for c in row if flatten(c)) for row in cells]
        rows = [re.sub(r"\s*[,;]$", "", row) for row in rows]  # the row's own comma would give ",;"
        end = ""
        if rows and rows[-1].endswith("."):
            rows[-1], end = rows[-1][:-1], "."
        return "{" + "; ".join(rows) + "}" + end
    body = grid(cells, ["l", "l"], ["   "])
    box = bracket(body, "", "}") if name == "rcases" else bracket(body, "{", "")
    return trim(box)


def _matrix(c: Converter, name: str, cells: list[list[str | Box]], spec: str, rules: set[int]) -> str | Box:
    left, right = MATRIX_DELIMS[name]
    if not c.display:
        flat = [[flatten(c) for c in row] for row in cells]
        if all(len(row) == 1 for row in flat):
            body = ", ".join(row[0] for row in flat)
        else:
            body = "; ".join(", ".join(row) for row in flat)
        return f"{left}{body}{right}"
    aligns, seps = _column_spec(spec)
    grid_box = grid(cells, aligns, seps, rules)
    return trim(bracket(grid_box, left, right)) if left or right else trim(grid_box)


def _space_relation(cell: str | Box) -> str | Box:
    """``=gcd(…)`` → ``= gcd(…)`` at the start of an alignment cell, where the ``&`` hid the space."""
    # not when the cell already has the space, nor inside "==" or "<=" written out
    if isinstance(cell, str) and len(cell) > 1 and cell.startswith(RELATION_START) and cell[1] not in " =<>":
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


def _blank(nodes: list[lw.LatexNode]) -> bool:
    for node in nodes:
        if node.isNodeType(lw.LatexCharsNode) and not node.chars.strip():
            continue
        if node.isNodeType(lw.LatexCommentNode):
            continue
        return False
    return True
