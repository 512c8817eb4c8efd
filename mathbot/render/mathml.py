"""LaTeX → MathML that ziamath 0.13 draws right: the source rewritten into latex2mathml's subset
(``prepare``), then the MathML spaced as TeX would.

latex2mathml + ziamath space some things unlike TeX; ``_tune_operators`` fixes the visible ones
(unary minus, ``\\pm``, ``\\times``, ``\\implies``, fences that stretched, cramped cases columns).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from mathbot.tex import group_end

_EXTRA_FUNCTIONS = (
    "lcm",
    "sgn",
    "rank",
    "tr",
    "ord",
    "rad",
    "Var",
    "Cov",
    "span",
    "proj",
    "diag",
    "argmax",
    "argmin",
    "cis",
    "Arg",
    "Log",
    "erf",
    "Tr",
    "lub",
    "glb",
)
_ENV_RENAMES = {
    "eqnarray": "align",
    "equation": "gather",
    "multline": "gather",
    "dcases": "cases",
    "gathered": "gathered",
    "flalign": "align",
}


def _replace_macro(text: str, name: str, nargs: int, build) -> str:
    """Replace ``\\name{a}{b}`` (balanced arguments) by ``build(a, b)``."""
    pattern = re.compile(r"\\" + name + r"(?![A-Za-z])\s*")
    out, pos = [], 0
    while True:
        match = pattern.search(text, pos)
        if not match:
            out.append(text[pos:])
            return "".join(out)
        args, cursor = [], match.end()
        for _ in range(nargs):
            while cursor < len(text) and text[cursor].isspace():
                cursor += 1
            if text[cursor : cursor + 1] != "{":
                break
            end = group_end(text, cursor)
            if end < 0:
                break
            args.append(text[cursor + 1 : end - 1])
            cursor = end
        if len(args) < nargs:
            out.append(text[pos : match.end()])
            pos = match.end()
            continue
        out.append(text[pos : match.start()])
        out.append(build(*args))
        pos = cursor


def _text_arg(body: str) -> str:
    """``\\text{}`` content for latex2mathml: text escapes undone, ``$x$`` inside pulled out as math."""
    parts = re.split(r"(?<!\\)\$", body)
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(f"{{{part}}}")
        elif part:
            part = re.sub(r"\\([$%&#_{}])", r"\1", part)
            out.append(r"\text{" + part + "}")
    return "".join(out)


def prepare(latex: str) -> str:
    """Rewrite LaTeX into the subset ziamath 0.13 (via latex2mathml) draws correctly."""
    src = latex.strip()
    src = re.sub(r"(?<!\\)%", r"\\%", src)
    src = re.sub(r"\\(label|tag\*?|ref|eqref)\s*\{[^{}]*\}", "", src)
    src = re.sub(r"\\(nonumber|notag|displaystyle|limits|nolimits|qedhere)(?![A-Za-z])", "", src)
    src = _replace_macro(src, "boxed", 1, lambda a: "{" + a + "}")
    for name in ("dbinom", "tbinom", "binom"):
        src = _replace_macro(src, name, 2, lambda a, b: r"\left({" + a + r"} \atop {" + b + r"}\right)")
    src = re.sub(r"\\cfrac\s*\[[lrc]\]", r"\\cfrac", src)
    src = re.sub(r"\\(cfrac|sfrac|nicefrac)(?![A-Za-z])", r"\\frac", src)
    src = _replace_macro(src, "cancelto", 2, lambda a, b: r"\cancel{" + b + "}")
    src = _replace_macro(src, "overarc", 1, lambda a: r"\overset{\frown}{" + a + "}")
    src = _replace_macro(src, "overparen", 1, lambda a: r"\overset{\frown}{" + a + "}")
    for name in ("text", "textrm", "textnormal", "mbox", "textup", "hbox"):
        src = _replace_macro(src, name, 1, _text_arg)
    src = re.sub(r"\\(" + "|".join(_EXTRA_FUNCTIONS) + r")(?![A-Za-z])", r"\\operatorname{\1}", src)
    src = re.sub(r"\\middle\s*", "", src)
    src = re.sub(r"\\cline\s*\{[^{}]*\}", "", src)
    src = _replace_macro(src, "multicolumn", 3, lambda n, spec, body: "{" + body + "}")
    # ziamath cannot put a script on a bare environment: wrap it in a group first
    src = re.sub(r"(\\begin\{(\w+\*?)\}.*?\\end\{\2\})(\s*[\^_])", r"{\1}\3", src, flags=re.S)
    src = re.sub(r"\\(dotsb|dotsc|dotsm|dotsi|dotso|hdots)(?![A-Za-z])", r"\\cdots", src)
    src = src.replace(r"\textdollar", r"\$")
    for old, new in _ENV_RENAMES.items():
        src = re.sub(r"\\(begin|end)\{" + old + r"\*?\}", r"\\\1{" + new + "*}", src)
    src = src.replace("&=&", "&=").replace("& = &", "&=")
    src = re.sub(r"(\\\\\s*)+(\\end\{)", r"\2", src)  # a trailing \\ makes an empty row
    src = re.sub(r"(\\\\\s*)+$", "", src)
    if re.search(r"\\\\", src) and "\\begin" not in src:
        env = "align*" if "&" in src else "gather*"
        src = f"\\begin{{{env}}}{src}\\end{{{env}}}"
    return src.strip()


_SUPPORTED_ENVS = {
    "align",
    "align*",
    "aligned",
    "gather",
    "gather*",
    "gathered",
    "split",
    "cases",
    "matrix",
    "pmatrix",
    "bmatrix",
    "Bmatrix",
    "vmatrix",
    "Vmatrix",
    "smallmatrix",
    "array",
}
"""Environments latex2mathml draws properly (after the renames in ``prepare``)."""


def to_mathml(src: str, color: str) -> ET.Element | None:
    """``prepare``d LaTeX as a MathML element drawn in ``color``, spaced as TeX would; ``None`` where
    latex2mathml would draw it wrong (an environment it lacks, a command it passes through)."""
    from ziamath.tex import tex2mml

    if any(env not in _SUPPORTED_ENVS for env in re.findall(r"\\begin\{([^}]*)\}", src)):
        return None

    mml = tex2mml(src)
    if re.search(r">\s*\\[A-Za-z]", mml) or "<merror" in mml:
        return None  # latex2mathml passed a command through: it would be drawn as "\foo"
    element = ET.fromstring(mml)
    element.attrib["mathcolor"] = color
    for table in element.iter(_MML + "mtable"):
        if table.get("rowspacing") == "3pt":  # align rows with big operators touch each other
            table.set("rowspacing", "0.6em")
        if "columnspacing" not in table.attrib:  # cases and matrices: ziamath's 0.3em runs columns together
            cells = list(table.iter(_MML + "mtd"))
            cases = bool(cells) and all(cell.get("columnalign") == "left" for cell in cells)
            table.set("columnspacing", "1em" if cases else "0.8em")
    _tune_operators(element)
    return element


_MML = "{http://www.w3.org/1998/Math/MathML}"
_SIGNS = {"−", "-", "+", "±", "∓"}
_FENCES = set("()[]{}|‖⌊⌋⌈⌉⟨⟩")
_CLOSING = set(")]}|‖⌋⌉⟩!′″%°…⋯")
"""After these a sign is binary (``(a) - b``, ``|x| - 1``, ``n! - 1``, ``+ \\dots +``); after other
operators it is unary."""
_MI_OPERATORS = {"±": "±", "∓": "∓", "⧵": "∖", "~": "∼", "⟂": "⊥", "•": "•", "†": "†"}
_MI_OPERATORS.update({ch: ch for ch in "⟹⟸⟺⟶⟵⪯⪰"})
"""Operators latex2mathml emits as identifiers (``\\pm``, ``\\implies``, ``\\sim``...): no spacing at all."""
_BINARY_SPACE = {ch: "0.2222em" for ch in "×÷∘∪∩∖∗⋆⊕⊗⊙∧∨⊓⊔•"}
_BINARY_SPACE.update({ch: "0.2778em" for ch in "⟹⟸⟺⟶⟵⪯⪰"})
"""TeX's medium (binary) and thick (relation) spaces, where the MathML dictionary ziamath uses has
none or a hair (``3×10``, ``p⟹q``)."""


def _tune_operators(root: ET.Element) -> None:
    """Fix what latex2mathml + ziamath space wrongly: a unary minus gets binary spacing (``( − 1)``),
    a plain ``(`` next to a tall neighbour stretches (``\\pmod``), ``×`` and ``⟹`` get none."""
    for parent in root.iter():
        previous: ET.Element | None = None
        matrix = any(child.tag == _MML + "mtable" for child in parent)  # pmatrix fences must stretch
        for child in list(parent):
            text = (child.text or "").strip()
            if child.tag == _MML + "mi" and text in _MI_OPERATORS:
                child.tag = _MML + "mo"
                child.text = text = _MI_OPERATORS[text]
            if child.tag == _MML + "mo" and "form" not in child.attrib:
                if text in _FENCES and "stretchy" not in child.attrib and not matrix:
                    child.set("stretchy", "false")
                elif text in _SIGNS and previous is not None:
                    before = (previous.text or "").strip()
                    if previous.tag == _MML + "mo" and before not in _CLOSING:
                        child.set("form", "prefix")
                elif text in _BINARY_SPACE and previous is not None:
                    child.set("lspace", _BINARY_SPACE[text])
                    child.set("rspace", _BINARY_SPACE[text])
            if child.tag != _MML + "mspace":
                previous = child
