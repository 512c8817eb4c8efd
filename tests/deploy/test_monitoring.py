"""The Prometheus alert rules and the Grafana dashboard in deploy/: well-formed, every query parses as
PromQL, and every metric they name is one mathbot exports (the contract's names) or an exporter's."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "mathbot.json"
DATASOURCES = ROOT / "deploy" / "grafana" / "provisioning" / "datasources" / "prometheus.yml"

COUNTERS = {
    "mathbot_questions_total",
    "mathbot_refusals_total",
    "mathbot_generated_tokens_total",
    "mathbot_server_retries_total",
    "mathbot_vote_samples_total",
    "mathbot_chat_api_calls_total",
    "mathbot_chat_api_rate_limited_total",
    "mathbot_duplicates_dropped_total",
    "mathbot_signature_failures_total",
}
GAUGES = {
    "mathbot_queue_depth",
    "mathbot_workers",
    "mathbot_generations_in_flight",
    "mathbot_inference_server_up",
    "mathbot_inference_in_flight",
}
HISTOGRAMS = {
    "mathbot_queue_wait_seconds",
    "mathbot_time_to_first_token_seconds",
    "mathbot_generation_seconds",
}
MATHBOT = COUNTERS | GAUGES | {h + suffix for h in HISTOGRAMS for suffix in ("_bucket", "_sum", "_count")}
"""The contract's metric names (the brief; README, Metrics) as Prometheus stores them."""
REDIS_EXPORTER = {
    "redis_up",
    "redis_instance_info",
    "redis_memory_used_bytes",
    "redis_memory_max_bytes",
    "redis_evicted_keys_total",
    "redis_connected_clients",
    "redis_aof_last_write_status",
    "redis_rdb_last_bgsave_status",
}
"""oliver006/redis_exporter v1.69.0's names for INFO fields (exporter/exporter.go, `redis_` namespace)."""
PROMETHEUS = {"up"}
KNOWN = MATHBOT | REDIS_EXPORTER | PROMETHEUS


def metrics_in(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (raises on a syntax error)."""
    names: set[str] = set()

    def visit(node: Any) -> bool:
        if isinstance(node, promql_parser.VectorSelector):
            names.add(node.name)
        return True

    promql_parser.walk(promql_parser.parse(expr), visit)
    return names


@pytest.fixture(scope="module")
def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(RULES.read_text())
    assert set(document) == {"groups"}
    found = []
    for group in document["groups"]:
        assert set(group) == {"name", "rules"} and group["rules"]
        found += group["rules"]
    return found


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return document


def test_the_metric_extraction_sees_through_functions_and_ranges() -> None:
    expr = 'sum by (le) (rate(a_bucket{x="1"}[5m])) / on() group_left count(b) > bool 0 unless absent(c)'
    assert metrics_in(expr) == {"a_bucket", "b", "c"}
    with pytest.raises(Exception, match="paren"):
        metrics_in("sum(rate(a[5m])")


def test_alert_rules_have_the_prometheus_rule_shape(rules: list[dict[str, Any]]) -> None:
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names))
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}, rule
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]+", rule["alert"])
        if "for" in rule:
            assert promql_parser.parse_duration(rule["for"]).total_seconds() > 0
        assert rule["labels"]["severity"] in ("warning", "critical")
        assert rule["annotations"]["summary"]
        for text in rule["annotations"].values():  # Go templates: balanced and with known fields
            assert text.count("{{") == text.count("}}")
            for field in re.findall(r"\{\{\s*(\$\w+)", text):
                assert field in ("$value", "$labels"), field


def test_every_metric_in_the_rules_is_known(rules: list[dict[str, Any]]) -> None:
    for rule in rules:
        names = metrics_in(rule["expr"])
        assert names, rule["alert"]
        assert names <= KNOWN, (rule["alert"], names - KNOWN)


@pytest.mark.parametrize(
    ("what", "metric"),
    [
        ("the queue backs up", "mathbot_queue_depth"),
        ("no worker is alive", "mathbot_workers"),
        ("answers fail", "mathbot_questions_total"),
        ("an inference server is down", "mathbot_inference_server_up"),
        ("Redis would evict queued questions", "redis_instance_info"),
    ],
)
def test_an_alert_fires_when(what: str, metric: str, rules: list[dict[str, Any]]) -> None:
    assert [rule["alert"] for rule in rules if metric in metrics_in(rule["expr"])], what


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for panel in dashboard["panels"]:
        found.append(panel)
        found += panel.get("panels", [])
    return found


def test_the_dashboard_is_a_provisionable_grafana_dashboard(dashboard: dict[str, Any]) -> None:
    assert dashboard["uid"] == "mathbot" and dashboard["title"]
    assert isinstance(dashboard["schemaVersion"], int)
    ids = [panel["id"] for panel in panels(dashboard)]
    assert len(ids) == len(set(ids))
    datasource = yaml.safe_load(DATASOURCES.read_text())["datasources"][0]
    occupied: set[tuple[int, int]] = set()
    for panel in panels(dashboard):
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        cells = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not cells & occupied, f"{panel['title']} overlaps another panel"
        occupied |= cells
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": datasource["uid"]}
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == panel["datasource"]


def test_every_metric_on_the_dashboard_is_known_and_every_mathbot_metric_is_shown(
    dashboard: dict[str, Any],
) -> None:
    shown: set[str] = set()
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            names = metrics_in(target["expr"])
            assert names and names <= KNOWN, (panel["title"], names - KNOWN)
            shown |= names
    base = {re.sub(r"_(bucket|sum|count)$", "", name) for name in shown}
    missing = (COUNTERS | GAUGES | HISTOGRAMS) - base
    assert not missing, f"not on the dashboard: {sorted(missing)}"
