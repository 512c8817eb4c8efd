"""The end of an evaluation: a table per set on stdout, a JSON summary and a PNG plot in the folder."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bots.eval.store import Record, SampleKey
from bots.eval.texts import percent
from mathbot import scores
from mathbot.present import duration
from mathbot.problemsets import Problem

PUBLISHED = {"aime_2025": (52.71, 76.7), "hmmt_2025": (35.26, 56.7)}
"""Fathom-R1-14B's published pass@1 and cons@64 (%, 16K output budget), drawn beside the measured curve."""

PUBLISHED_K = 64
"""The number of samples of the published majority vote."""


@dataclass(frozen=True)
class SetReport:
    """One set's scores (see `mathbot.scores` for what each means)."""

    name: str
    problems: int
    samples: int
    """K: samples per problem."""
    pass_at_1: float
    cons_at_k: float
    """cons@K: the majority of all K samples."""
    curve: list[float]
    """cons@k for k = 1..K (exact expectation over the K samples)."""
    answered: int
    truncated: int
    rescued: int
    failed: int
    tokens_mean: float
    tokens_p90: float
    wall_seconds: float
    """Time during which the set had samples queued or running (over every session of the run)."""
    per_problem: list[dict[str, Any]]


def build(name: str, problems: list[Problem], samples: int, done: dict[SampleKey, Record]) -> SetReport:
    """Score a set from its stored samples (every one of the K of each problem is there)."""
    rows: list[dict[str, Any]] = []
    curves: list[tuple[float, ...]] = []
    records: list[Record] = []
    for problem in problems:
        mine = [done[SampleKey.of(problem, i)] for i in range(samples)]
        records += mine
        scored = scores.score([r.final for r in mine], [r.correct for r in mine], problem.answer)
        curves.append(scored.curve)
        rows.append(
            {
                "id": problem.id,
                "answer": problem.answer,
                "accuracy": scored.accuracy,
                "majority": scored.majority,
                "majority_right": scored.majority_right,
            }
        )
    by_status = {
        s: sum(r.status == s for r in records) for s in ("answered", "truncated", "rescued", "failed")
    }
    tokens = [float(r.tokens) for r in records if r.status != "failed"]
    curve = [scores.mean([c[k] for c in curves]) for k in range(samples)]
    return SetReport(
        name=name,
        problems=len(problems),
        samples=samples,
        pass_at_1=scores.mean([row["accuracy"] for row in rows]),
        cons_at_k=scores.mean([float(row["majority_right"]) for row in rows]),
        curve=curve,
        tokens_mean=scores.mean(tokens),
        tokens_p90=scores.percentile(tokens, 0.9),
        wall_seconds=busy_time([(r.queued_at, r.done_at) for r in records]),
        per_problem=rows,
        **by_status,
    )


def busy_time(spans: list[tuple[float, float]]) -> float:
    """The length of the union of time spans."""
    total, end = 0.0, float("-inf")
    for start, stop in sorted(spans):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total


def table(reports: list[SetReport]) -> str:
    """The results, one row per set, as a Markdown table."""
    k = max((r.samples for r in reports), default=1)
    head = (
        f"| set | problems | samples | pass@1 | cons@{k} | answered | truncated | rescued | failed "
        "| tokens mean | tokens p90 | wall |"
    )
    lines = [head, "|---" * 12 + "|"]
    for r in reports:
        lines.append(
            f"| {r.name} | {r.problems} | {r.problems * r.samples} ({r.samples} each) "
            f"| {percent(r.pass_at_1)} | {percent(r.cons_at_k)} "
            f"| {r.answered} | {r.truncated} | {r.rescued} | {r.failed} "
            f"| {r.tokens_mean:,.0f} | {r.tokens_p90:,.0f} | {duration(r.wall_seconds)} |"
        )
    return "\n".join(lines)


def summary(reports: list[SetReport], meta: dict[str, Any]) -> dict[str, Any]:
    """The JSON summary: the run's configuration, and every set's scores and per-problem results."""
    return {
        **meta,
        "estimator": "cons@k: exact expected majority-vote accuracy over all k-subsets of the K samples",
        "published": {name: {"pass@1": p, f"cons@{PUBLISHED_K}": c} for name, (p, c) in PUBLISHED.items()},
        "sets": [asdict(r) for r in reports],
    }


def write_summary(path: Path, reports: list[SetReport], meta: dict[str, Any]) -> None:
    path.write_text(json.dumps(summary(reports, meta), indent=2, ensure_ascii=False) + "\n")


def plot(path: Path, reports: list[SetReport], title: str) -> None:
    """Accuracy against the number of samples: cons@k for k = 1..K per set, and the published pass@1
    (k = 1) and cons@64 (k = 64) of the sets that have them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7.5, 4.8), dpi=120)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    widest = max([PUBLISHED_K, *(r.samples for r in reports)])
    for index, report in enumerate(reports):
        color = colors[index % len(colors)]
        ks = list(range(1, report.samples + 1))
        label = f"{report.name}: measured cons@k (k = 1 is pass@1)"
        axes.plot(ks, [100 * v for v in report.curve], marker="o", markersize=3, color=color, label=label)
        if report.name in PUBLISHED:
            first, voted = PUBLISHED[report.name]
            published = f"{report.name}: published pass@1 {first} %, cons@{PUBLISHED_K} {voted} %"
            axes.plot([1, PUBLISHED_K], [first, voted], "*", markersize=12, color=color, label=published)
    axes.set_xscale("log", base=2)
    ticks = [k for k in (1, 2, 4, 8, 16, 32, 64, 128, 256) if k <= widest]
    axes.set_xticks(ticks, [str(k) for k in ticks])
    axes.set_xlim(0.8, widest * 1.25)
    axes.set_ylim(0, 100)
    axes.set_xlabel("samples per problem (k)")
    axes.set_ylabel("accuracy (%)")
    axes.set_title(title, fontsize=10)
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
