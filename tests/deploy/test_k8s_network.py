"""deploy/k8s's NetworkPolicies, evaluated as Kubernetes evaluates them (a connection needs the sender's
egress and the receiver's ingress to allow it; a pod no policy selects for a direction is open in that
direction): who can reach Redis, the inference server and the adapters, and who cannot."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.deploy.kustomize import K8S, OVERLAYS, build, pod_spec

NAMESPACE = "mathbot"


@dataclass(frozen=True)
class Pod:
    """A connection's end: a pod's labels and namespace, or (namespace None) outside the cluster."""

    labels: dict[str, str] = field(default_factory=dict)
    namespace: str | None = None


EXTERNAL = Pod()


def in_namespace(name: str, **labels: str) -> Pod:
    return Pod(labels, name)


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if not (selector.get("matchLabels") or {}).items() <= labels.items():
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def namespace_labels(pod: Pod) -> dict[str, str]:
    return {"kubernetes.io/metadata.name": pod.namespace} if pod.namespace else {}


def peer_matches(peer: dict[str, Any], other: Pod) -> bool:
    if "ipBlock" in peer:
        return other.namespace is None  # cluster-external addresses
    if other.namespace is None:
        return False
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], namespace_labels(other)):
            return False
    elif other.namespace != NAMESPACE:
        return False
    return "podSelector" not in peer or selects(peer["podSelector"], other.labels)


def ports_match(ports: list[dict[str, Any]] | None, port: int) -> bool:
    return not ports or any(p.get("protocol", "TCP") == "TCP" and p["port"] == port for p in ports)


def direction_allows(policies: list[dict[str, Any]], pod: Pod, other: Pod, port: int, kind: str) -> bool:
    """Whether the policies of `pod`'s namespace let it talk to `other` on `port` in this direction."""
    if pod.namespace != NAMESPACE:
        return True  # not ours: no policy of this repository applies
    applying = [
        p
        for p in policies
        if kind in p["spec"].get("policyTypes", ["Ingress"]) and selects(p["spec"]["podSelector"], pod.labels)
    ]
    if not applying:
        return True
    side, peers = ("ingress", "from") if kind == "Ingress" else ("egress", "to")
    for policy in applying:
        for rule in policy["spec"].get(side) or []:
            if ports_match(rule.get("ports"), port) and (
                peers not in rule or any(peer_matches(peer, other) for peer in rule[peers])
            ):
                return True
    return False


def allowed(policies: list[dict[str, Any]], source: Pod, destination: Pod, port: int) -> bool:
    return direction_allows(policies, source, destination, port, "Egress") and direction_allows(
        policies, destination, source, port, "Ingress"
    )


@pytest.fixture(scope="module", params=OVERLAYS)
def cluster(request: pytest.FixtureRequest) -> tuple[list[dict[str, Any]], dict[str, Pod]]:
    docs = build(K8S / "overlays" / request.param)
    pods = {}
    for doc in docs:
        if pod_spec(doc) is not None:
            labels = doc["spec"]["template"]["metadata"]["labels"]
            pods[labels.get("app.kubernetes.io/component", labels["app.kubernetes.io/name"])] = Pod(
                labels, NAMESPACE
            )
    assert set(pods) == {"redis", "inference", "worker", "slack", "discord"}
    return [d for d in docs if d["kind"] == "NetworkPolicy"], pods


KEDA = in_namespace("keda", app="keda-operator")
PROMETHEUS = in_namespace("monitoring", app="prometheus")
DNS = in_namespace("kube-system", **{"k8s-app": "kube-dns"})
STRANGER = in_namespace("default", app="something-else")

ALLOWED = [
    ("worker", "redis", 6379),
    ("slack", "redis", 6379),
    ("discord", "redis", 6379),
    (KEDA, "redis", 6379),  # the queue length that drives scaling
    ("worker", "inference", 8000),
    ("worker", EXTERNAL, 443),  # Slack's and Discord's Web APIs
    ("discord", EXTERNAL, 443),  # the gateway
    ("inference", EXTERNAL, 443),  # the model download
    (EXTERNAL, "slack", 3000),  # Slack's requests, through the Ingress controller
    (PROMETHEUS, "worker", 9100),
    (PROMETHEUS, "discord", 9100),
    (PROMETHEUS, "slack", 3000),
    (PROMETHEUS, "inference", 8000),
    (PROMETHEUS, "redis", 9121),
    ("worker", DNS, 53),
    ("redis", DNS, 53),
]
DENIED = [
    (STRANGER, "redis", 6379),
    (EXTERNAL, "redis", 6379),
    (PROMETHEUS, "redis", 6379),
    ("inference", "redis", 6379),
    ("slack", "inference", 8000),
    ("discord", "inference", 8000),
    (STRANGER, "inference", 8000),
    (EXTERNAL, "worker", 9100),
    (EXTERNAL, "discord", 9100),
    (EXTERNAL, "inference", 8000),
    ("redis", EXTERNAL, 443),
    ("inference", EXTERNAL, 80),
    ("worker", STRANGER, 5432),
]


def resolve(end: str | Pod, pods: dict[str, Pod]) -> Pod:
    return pods[end] if isinstance(end, str) else end


@pytest.mark.parametrize(("source", "destination", "port"), ALLOWED)
def test_what_must_connect_can(
    cluster: tuple[list[dict[str, Any]], dict[str, Pod]], source: str | Pod, destination: str | Pod, port: int
) -> None:
    policies, pods = cluster
    assert allowed(policies, resolve(source, pods), resolve(destination, pods), port)


@pytest.mark.parametrize(("source", "destination", "port"), DENIED)
def test_nothing_else_connects(
    cluster: tuple[list[dict[str, Any]], dict[str, Pod]], source: str | Pod, destination: str | Pod, port: int
) -> None:
    policies, pods = cluster
    assert not allowed(policies, resolve(source, pods), resolve(destination, pods), port)


def test_everything_starts_denied(cluster: tuple[list[dict[str, Any]], dict[str, Pod]]) -> None:
    policies, _ = cluster
    [deny] = [p for p in policies if p["metadata"]["name"] == "default-deny"]
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
