"""What the LaTeX parser knows: the commands and environments competition solutions use, and the
classes of them the converter treats alike."""

from __future__ import annotations

from pylatexenc import latexwalker as lw
from pylatexenc.macrospec import std_environment, std_macro


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


DB = _context_db()
"""pylatexenc's default commands and environments plus those competition solutions use."""

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

FRAC = {"frac", "dfrac", "tfrac", "cfrac", "nicefrac", "sfrac"}
BINOM = {"binom", "dbinom", "tbinom"}
TEXT = set(
    "text textrm textnormal textup textmd mbox hbox textsf texttt textit textsl emph textbf textsc "  # noqa: SIM905 - a compact table
    "fbox framebox intertext shortintertext textsuperscript textsubscript".split()
)
STYLE = set(
    "mathrm mathit mathbf mathsf mathtt boldsymbol bm pmb mathnormal mathord mathopen mathclose "  # noqa: SIM905 - a compact table
    "ensuremath smash displaystyle raisebox".split()
)
STYLED_LETTERS = {"mathbb", "mathcal", "mathfrak", "mathscr", "Bbb"}
DELIM_SIZERS = set(
    "left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr bigm Bigm biggm "  # noqa: SIM905 - a compact table
    "Biggm".split()
)
IGNORED = set(
    "displaystyle textstyle scriptstyle scriptscriptstyle limits nolimits nonumber notag label "  # noqa: SIM905 - a compact table
    "allowbreak nobreak relax strut mathstrut centering noindent par medskip bigskip smallskip vspace "
    "hline toprule midrule bottomrule cline noalign phantom hphantom vphantom hspace color protect "
    "left right middle newpage linebreak displaybreak kern mkern mskip hskip qedhere normalsize small "
    "large Large tiny footnotesize scriptsize huge Huge rm bf it sf tt cal bold mathversion boldmath "
    "unboldmath nulldelimiterspace vfill indent item usepackage def let newcommand renewcommand "
    "DeclareMathOperator".split()
)
LIMIT_FUNCTIONS = set("lim limsup liminf max min sup inf argmax argmin".split())  # noqa: SIM905 - a compact table
INFIX = {"over": "frac", "choose": "binom", "atop": "atop", "brace": "brace", "brack": "brack"}
ROW_BREAKS = {"\\", "cr", "newline", "tabularnewline"}


def parse_math(src: str) -> list[lw.LatexNode]:
    """The nodes of ``src`` read in math mode, tolerating unbalanced input where pylatexenc can."""
    walker = lw.LatexWalker(src, latex_context=DB, tolerant_parsing=True)
    nodes, _, _ = walker.get_latex_nodes(parsing_state=walker.make_parsing_state(in_math_mode=True))
    return nodes


def args_of(node: lw.LatexNode) -> list:
    """A command's or environment's parsed arguments, in order (``None`` for an optional one absent)."""
    argd = getattr(node, "nodeargd", None)
    if argd is None or not getattr(argd, "argnlist", None):
        return []
    return list(argd.argnlist)
