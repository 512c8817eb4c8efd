"""What `kubectl apply -k` makes of deploy/k8s, without kustomize: the few kustomization fields this
repository uses (resources, patches, namespace, images), with Kubernetes' strategic merge for patches.

Anything else in a kustomization is refused, so a test never passes over a construct it does not
understand. `test_k8s.py` checks this rendering against `kubectl kustomize` where kubectl exists.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("tgi", "vllm", "sglang")

FIELDS = {"apiVersion", "kind", "namespace", "resources", "patches", "images"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "StorageClass"}
"""Kinds the namespace transformer leaves alone."""
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "envFrom": None,  # no merge key: the patch's list replaces the base's
    "volumes": "name",
    "volumeMounts": "mountPath",
    "imagePullSecrets": "name",
}
"""List fields merged item by item (Kubernetes' patchMergeKey); any other list is replaced whole."""


class KustomizeError(Exception):
    """A kustomization this renderer does not understand, or a patch with no target."""


def build(directory: Path) -> list[dict[str, Any]]:
    """The documents `kubectl kustomize DIRECTORY` prints, in the order of their resources."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - FIELDS
    if unknown:
        raise KustomizeError(f"{directory}: unsupported kustomization fields {sorted(unknown)}")
    docs: list[dict[str, Any]] = []
    for resource in kustomization.get("resources", []):
        path = (directory / resource).resolve()
        if path.is_dir():
            docs += build(path)
        else:
            docs += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    for patch in kustomization.get("patches", []):
        if set(patch) != {"path"}:
            raise KustomizeError(f"{directory}: only `patches: - path: FILE` is supported: {patch}")
        for doc in yaml.safe_load_all((directory / patch["path"]).read_text()):
            _apply(docs, doc)
    if "namespace" in kustomization:
        for doc in docs:
            if doc["kind"] not in CLUSTER_SCOPED:
                doc["metadata"]["namespace"] = kustomization["namespace"]
    for image in kustomization.get("images", []):
        _set_image(docs, image)
    return docs


def _apply(docs: list[dict[str, Any]], patch: dict[str, Any]) -> None:
    targets = [
        doc
        for doc in docs
        if doc["kind"] == patch["kind"]
        and doc["apiVersion"] == patch["apiVersion"]
        and doc["metadata"]["name"] == patch["metadata"]["name"]
    ]
    if len(targets) != 1:
        raise KustomizeError(f"patch for {patch['kind']}/{patch['metadata']['name']} matches {len(targets)}")
    merged = merge(targets[0], patch)
    targets[0].clear()
    targets[0].update(merged)


def merge(base: Any, patch: Any, field: str = "") -> Any:
    """Kubernetes' strategic merge patch, for the directives this repository uses: maps merge key by
    key, keyed lists item by item (items only in the patch come first, as kustomize puts them), other
    lists and scalars are replaced, and `null` deletes."""
    if isinstance(base, dict) and isinstance(patch, dict):
        if any(key.startswith("$") for key in patch):
            raise KustomizeError(f"unsupported patch directive in {sorted(patch)}")
        out = copy.deepcopy(base)
        for key, value in patch.items():
            if value is None:
                out.pop(key, None)
            elif key in out:
                out[key] = merge(out[key], value, key)
            else:
                out[key] = copy.deepcopy(value)
        return out
    if isinstance(base, list) and isinstance(patch, list) and MERGE_KEYS.get(field):
        key = MERGE_KEYS[field]
        assert key is not None
        merged = copy.deepcopy(base)
        added = []
        for item in patch:
            match = next((i for i, old in enumerate(merged) if old.get(key) == item.get(key)), None)
            if match is None:
                added.append(copy.deepcopy(item))
            else:
                merged[match] = merge(merged[match], item)
        return added + merged
    return copy.deepcopy(patch)


def _set_image(docs: list[dict[str, Any]], image: dict[str, str]) -> None:
    for doc in docs:
        for container in containers(doc):
            name, _, _ = container["image"].partition(":")
            if name == image["name"]:
                new_name = image.get("newName", name)
                tag = image.get("newTag")
                container["image"] = f"{new_name}:{tag}" if tag else new_name


def pod_spec(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The pod template's spec of a workload, else None."""
    if doc["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
        spec: dict[str, Any] = doc["spec"]["template"]["spec"]
        return spec
    return None


def containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every container of a workload, init containers included."""
    spec = pod_spec(doc)
    if spec is None:
        return []
    return [*spec.get("initContainers", []), *spec["containers"]]


def find(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    """The one document of this kind and name."""
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    if len(found) != 1:
        raise KustomizeError(f"{len(found)} documents {kind}/{name}")
    return found[0]
