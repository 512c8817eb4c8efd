"""The benchmark's numbers per N (pure), its table, and its plot."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from workers.bench import direct, pipeline


@dataclass(frozen=True)
class Row:
    n: int
    direct_completion: float
    """Mean seconds from request to the last token, straight to the server."""
    pipeline_completion: float
    """Mean seconds from enqueue to the answer in the asker's event stream."""
    completion_ratio: float
    makespan_ratio: float
    """(last answer − first ask) through the pipeline over the same straight to the server."""
    direct_ttft_p50: float
    direct_ttft_p99: float
    added_ttft_p50: float
    """Pipeline's first-token latency (enqueue → first token at the worker) minus the direct one, at p50."""
    added_ttft_p99: float
    pss_per_generation_mib: float
    """The worker pool's PSS at its peak of generations in flight, divided by them."""
    peak_in_flight: int
    worker_cpu_per_stream: float
    """Share of one core the worker pool spends per streaming generation (CPU s / stream-seconds)."""
    client_cpu_per_stream: float
    """The same for the direct httpx client: the bare cost of reading a stream."""
    tokens_per_second: float
    """Mean per-stream rate the direct client saw (below the configured rate: something saturated)."""
    pool_start_seconds: float
    failed: int
    memory_source: str
    """smaps_rollup or smaps: PSS; status: RSS only (the kernel reports no PSS), which counts shared pages
    once per process and overstates the cost."""


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def row(n: int, streams: list[direct.Stream], client_cpu: float, run: pipeline.Run) -> Row:
    # (sent, first token, done, tokens) of each complete stream; (enqueued, first token, done) of each answer
    d = [(s.sent, s.first_token, s.done, s.tokens) for s in streams if s.first_token and s.done]
    p = [(a.enqueued, a.first_token, a.done) for a in run.asked.values() if a.first_token and a.done]
    if not d or not p:
        raise SystemExit(f"bench: N={n}: nothing completed ({len(d)} direct, {len(p)} through the pipeline)")
    d_completion = [done - sent for sent, _, done, _ in d]
    p_completion = [done - asked for asked, _, done in p]
    d_ttft = [first - sent for sent, first, _, _ in d]
    p_ttft = [first - asked for asked, first, _ in p]
    d_span = max(done for _, _, done, _ in d) - min(s.sent for s in streams)
    p_span = max(done for _, _, done in p) - min(a.enqueued for a in run.asked.values())
    d_stream_seconds = sum(done - first for _, first, done, _ in d)
    p_stream_seconds = sum(done - first for _, first, done in p)
    rates = [tokens / (done - first) for _, first, done, tokens in d if done > first]
    return Row(
        n=n,
        direct_completion=statistics.mean(d_completion),
        pipeline_completion=statistics.mean(p_completion),
        completion_ratio=statistics.mean(p_completion) / statistics.mean(d_completion),
        makespan_ratio=p_span / d_span,
        direct_ttft_p50=percentile(d_ttft, 0.5),
        direct_ttft_p99=percentile(d_ttft, 0.99),
        added_ttft_p50=percentile(p_ttft, 0.5) - percentile(d_ttft, 0.5),
        added_ttft_p99=percentile(p_ttft, 0.99) - percentile(d_ttft, 0.99),
        pss_per_generation_mib=run.memory_at_peak.pss / max(1, run.peak_in_flight) / 2**20,
        peak_in_flight=run.peak_in_flight,
        worker_cpu_per_stream=run.cpu_seconds / p_stream_seconds,
        client_cpu_per_stream=client_cpu / d_stream_seconds,
        tokens_per_second=statistics.mean(rates) if rates else float("nan"),
        pool_start_seconds=run.start_seconds,
        failed=(len(run.asked) - len(p)) + (len(streams) - len(d)),
        memory_source=run.memory_at_peak.source,
    )


HEADER = (
    "| N | completion, direct → pipeline | ratio (mean / makespan) | first token direct p50 / p99 "
    "| added first-token latency p50 / p99 | worker PSS per generation | worker CPU per stream "
    "| client CPU per stream | tokens/s per stream | failed |"
)


def table(rows: Sequence[Row]) -> str:
    lines = [HEADER, "|" + "---|" * (HEADER.count("|") - 1)]
    for r in rows:
        lines.append(
            f"| {r.n} | {r.direct_completion:.1f} s → {r.pipeline_completion:.1f} s "
            f"| {r.completion_ratio:.3f} / {r.makespan_ratio:.3f} "
            f"| {r.direct_ttft_p50 * 1000:.0f} / {r.direct_ttft_p99 * 1000:.0f} ms "
            f"| {r.added_ttft_p50 * 1000:.0f} / {r.added_ttft_p99 * 1000:.0f} ms "
            f"| {r.pss_per_generation_mib:.1f} MiB{'' if r.memory_source != 'status' else ' RSS'} "
            f"({r.peak_in_flight} in flight) "
            f"| {r.worker_cpu_per_stream * 100:.2f} % | {r.client_cpu_per_stream * 100:.2f} % "
            f"| {r.tokens_per_second:.0f} | {r.failed} |"
        )
    return "\n".join(lines)


def plot(rows: Sequence[Row], path: Path, title: str) -> None:
    """The four measures against N, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = [r.n for r in rows]
    figure, axes = plt.subplots(2, 2, figsize=(11, 7.5))
    ratios = [("mean", [r.completion_ratio for r in rows]), ("makespan", [r.makespan_ratio for r in rows])]
    added = [
        ("p50", [r.added_ttft_p50 * 1000 for r in rows]),
        ("p99", [r.added_ttft_p99 * 1000 for r in rows]),
    ]
    memory = [("PSS", [r.pss_per_generation_mib for r in rows])]
    cpu = [
        ("worker pool", [r.worker_cpu_per_stream * 100 for r in rows]),
        ("direct client", [r.client_cpu_per_stream * 100 for r in rows]),
    ]
    panels = [
        (axes[0][0], "completion time, pipeline / direct", ratios, "ratio"),
        (axes[0][1], "added first-token latency", added, "ms"),
        (axes[1][0], "worker memory per in-flight generation", memory, "MiB"),
        (axes[1][1], "CPU per stream (share of one core)", cpu, "%"),
    ]
    for axis, name, series, unit in panels:
        for label, values in series:
            axis.plot(ns, values, marker="o", label=label)
        axis.set_xscale("log", base=2)
        axis.set_xticks(ns, [str(n) for n in ns])
        axis.set_title(name)
        axis.set_xlabel("questions at once (N)")
        axis.set_ylabel(unit)
        axis.grid(True, alpha=0.3)
        axis.legend()
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def as_json(rows: Sequence[Row]) -> list[dict[str, float]]:
    return [asdict(r) for r in rows]
