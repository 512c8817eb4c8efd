"""deploy/k8s rendered as `kubectl apply -k deploy/k8s/overlays/<server>` would render it, validated
offline against the Kubernetes API schemas and KEDA's CRD, and checked for the invariants an operator
relies on: KEDA watches the right list, scale-down never cuts an answer, the GPU is requested, one
Discord connection, non-root read-only pods, secrets only from the Secret, Redis never evicts."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import kubernetes_validate
import pytest
import yaml

from tests.deploy.kustomize import K8S, OVERLAYS, build, containers, find, pod_spec

SCHEMAS = Path(__file__).parent / "schemas"
KUBERNETES_VERSIONS = ("1.30.0", "1.35.0")
MODEL = "FractalAIResearch/Fathom-R1-14B"
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|API_KEY|CREDENTIAL", re.I)
REDIS_SCALER_KEYS = {
    "address",
    "addressFromEnv",
    "host",
    "hostFromEnv",
    "port",
    "portFromEnv",
    "usernameFromEnv",
    "passwordFromEnv",
    "listName",
    "listLength",
    "activationListLength",
    "enableTLS",
    "unsafeSsl",
    "databaseIndex",
}
"""The Redis lists scaler's metadata keys (keda.sh/docs/latest/scalers/redis-lists)."""


@pytest.fixture(scope="module", params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return request.param, build(K8S / "overlays" / request.param)


def docs_of(overlay: tuple[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return overlay[1]


def config(docs: list[dict[str, Any]]) -> dict[str, str]:
    data: dict[str, str] = find(docs, "ConfigMap", "mathbot-config")["data"]
    return data


def workloads(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [doc for doc in docs if pod_spec(doc) is not None]


def mathbot_command(doc: dict[str, Any]) -> str | None:
    """`worker`, `slack` or `discord` for a mathbot workload, else None."""
    for container in pod_spec(doc)["containers"]:  # type: ignore[index]
        if container["image"].startswith("mathbot:"):
            return str(container["args"][0])
    return None


def by_command(docs: list[dict[str, Any]], command: str) -> dict[str, Any]:
    [doc] = [d for d in workloads(docs) if mathbot_command(d) == command]
    return doc


# --- rendering and schemas ---


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (with kustomize) is not installed")
@pytest.mark.parametrize("name", OVERLAYS)
def test_the_rendering_is_what_kubectl_kustomize_renders(name: str) -> None:
    result = subprocess.run(
        ["kubectl", "kustomize", str(K8S / "overlays" / name)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    theirs = [doc for doc in yaml.safe_load_all(result.stdout) if doc]

    def key(doc: dict[str, Any]) -> tuple[str, str]:
        return doc["kind"], doc["metadata"]["name"]

    assert sorted(build(K8S / "overlays" / name), key=key) == sorted(theirs, key=key)


def test_every_manifest_validates_against_the_kubernetes_schemas(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    checked = 0
    for doc in docs_of(overlay):
        if doc["apiVersion"].startswith("keda.sh/"):
            continue
        for version in KUBERNETES_VERSIONS:
            kubernetes_validate.validate(doc, version, strict=True)
        checked += 1
    assert checked >= 15


def strict(schema: Any) -> Any:
    """The CRD's schema, refusing unknown fields as the API server's strict field validation does."""
    if isinstance(schema, dict):
        out = {key: strict(value) for key, value in schema.items()}
        if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    return schema


@pytest.fixture(scope="module")
def scaled_object_schema() -> dict[str, Any]:
    crd = yaml.safe_load((SCHEMAS / "keda.sh_scaledobjects.yaml").read_text())
    assert crd["spec"]["names"]["kind"] == "ScaledObject"
    [version] = [v for v in crd["spec"]["versions"] if v["served"] and v["storage"]]
    assert version["name"] == "v1alpha1"
    schema: dict[str, Any] = strict(version["schema"]["openAPIV3Schema"])
    return schema


def test_the_scaled_object_validates_against_kedas_crd(
    overlay: tuple[str, list[dict[str, Any]]], scaled_object_schema: dict[str, Any]
) -> None:
    scaled = find(docs_of(overlay), "ScaledObject", "mathbot-worker")
    assert scaled["apiVersion"] == "keda.sh/v1alpha1"
    jsonschema.validate(scaled, scaled_object_schema)
    for trigger in scaled["spec"]["triggers"]:
        assert set(trigger["metadata"]) <= REDIS_SCALER_KEYS


def test_the_strict_crd_schema_refuses_a_misspelt_field(scaled_object_schema: dict[str, Any]) -> None:
    scaled = find(build(K8S / "overlays" / "tgi"), "ScaledObject", "mathbot-worker")
    scaled["spec"]["maxReplicas"] = scaled["spec"].pop("maxReplicaCount")
    with pytest.raises(jsonschema.ValidationError, match="maxReplicas"):
        jsonschema.validate(scaled, scaled_object_schema)


# --- the invariants ---


def test_keda_scales_the_workers_on_rqs_queue_lists(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    docs = docs_of(overlay)
    settings = config(docs)
    scaled = find(docs, "ScaledObject", "mathbot-worker")
    worker = by_command(docs, "worker")
    assert scaled["spec"]["scaleTargetRef"]["name"] == worker["metadata"]["name"]
    assert worker["kind"] == "Deployment" and "replicas" not in worker["spec"]  # KEDA owns it
    assert 1 <= scaled["spec"]["minReplicaCount"] <= scaled["spec"]["maxReplicaCount"]
    queue = settings["MATHBOT_QUEUE"]
    triggers = scaled["spec"]["triggers"]
    assert [t["metadata"]["listName"] for t in triggers] == [f"rq:queue:{queue}", f"rq:queue:{queue}-eval"]
    redis_url = urlsplit(settings["REDIS_URL"])
    service = find(docs, "Service", redis_url.hostname or "")
    namespace = service["metadata"]["namespace"]
    for trigger in triggers:
        assert trigger["type"] == "redis"
        meta = trigger["metadata"]
        # KEDA's operator resolves names from its own namespace: the Service's full name.
        host = f"{service['metadata']['name']}.{namespace}.svc.cluster.local"
        assert meta["address"] == f"{host}:{redis_url.port}"
        assert meta["databaseIndex"] == redis_url.path.strip("/")
        assert int(meta["listLength"]) >= 1


def test_scale_down_never_cuts_an_answer(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    docs = docs_of(overlay)
    worker = by_command(docs, "worker")
    grace = worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace > int(config(docs)["MATHBOT_JOB_TIMEOUT"])
    assert worker["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    budget = find(docs, "PodDisruptionBudget", "mathbot-worker")
    labels = worker["spec"]["template"]["metadata"]["labels"]
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert budget["spec"]["maxUnavailable"] == 1


def test_the_inference_server_has_its_gpu_cache_and_patient_probes(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    docs = docs_of(overlay)
    server = find(docs, "StatefulSet", "inference")
    [container] = server["spec"]["template"]["spec"]["containers"]
    resources = container["resources"]
    assert int(resources["limits"]["nvidia.com/gpu"]) >= 1
    assert resources["requests"]["nvidia.com/gpu"] == resources["limits"]["nvidia.com/gpu"]
    [claim] = server["spec"]["volumeClaimTemplates"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts[claim["metadata"]["name"]] == "/data"
    assert int(claim["spec"]["resources"]["requests"]["storage"].rstrip("Gi")) >= 60  # a 30 GB model
    env = {e["name"]: e for e in container["env"]}
    assert env["HF_HOME"]["value"] == "/data"
    startup = container["startupProbe"]
    # A 30 GB download at a modest 20 MB/s takes 25 minutes, then the load.
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 45 * 60
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/health", "port": "http"}
    assert {"name": "http", "containerPort": 8000} in container["ports"]
    service = find(docs, "Service", server["spec"]["serviceName"])
    assert service["spec"]["clusterIP"] == "None"  # stable names inference-0.inference, ...
    for url in config(docs)["TGI_URL"].split(","):
        parts = urlsplit(url)
        pod, _, svc = (parts.hostname or "").partition(".")
        assert re.fullmatch(rf"{server['metadata']['name']}-\d+", pod) and svc == service["metadata"]["name"]
        assert parts.port == 8000


def flags(args: list[str]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for i, arg in enumerate(args):
        if arg.startswith("--"):
            nxt = args[i + 1] if i + 1 < len(args) else None
            found[arg] = None if nxt is None or nxt.startswith("--") else nxt
    return found


@pytest.mark.parametrize("name", OVERLAYS)
def test_each_overlay_serves_the_model_with_its_servers_own_flags(name: str) -> None:
    server = find(build(K8S / "overlays" / name), "StatefulSet", "inference")
    [container] = server["spec"]["template"]["spec"]["containers"]
    args = container["args"]
    options = flags(args)
    assert options["--port"] == "8000"
    if name == "tgi":
        assert container["image"] == "ghcr.io/huggingface/text-generation-inference:3.3.6"
        assert "command" not in container
        assert options["--model-id"] == MODEL and options["--max-total-tokens"] == "16384"
        assert options["--hostname"] == "0.0.0.0"
    elif name == "vllm":
        assert container["image"].startswith("vllm/vllm-openai:v")
        assert container["command"] == ["vllm", "serve"] and args[0] == MODEL
        assert options["--max-model-len"] == "16384" and options["--reasoning-parser"] == "deepseek_r1"
        assert "--max-total-tokens" not in options  # nothing of TGI's left behind
    else:
        assert container["image"].startswith("lmsysorg/sglang:v")
        assert container["command"] == ["python3", "-m", "sglang.launch_server"]
        assert options["--model-path"] == MODEL and options["--context-length"] == "16384"
        assert options["--reasoning-parser"] == "deepseek-r1" and "--enable-metrics" in options


def test_discord_is_a_singleton_that_never_overlaps(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    discord = by_command(docs_of(overlay), "discord")
    assert discord["kind"] == "Deployment"
    assert discord["spec"]["replicas"] == 1
    assert discord["spec"]["strategy"] == {"type": "Recreate"}


def test_slack_is_served_behind_its_service_and_ingress(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    docs = docs_of(overlay)
    slack = by_command(docs, "slack")
    [container] = slack["spec"]["template"]["spec"]["containers"]
    port = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert port["http"] == int(config(docs)["PORT"])
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/health", "port": "http"}
    service = find(docs, "Service", "mathbot-slack")
    assert service["spec"]["selector"].items() <= slack["spec"]["template"]["metadata"]["labels"].items()
    ingress = find(docs, "Ingress", "mathbot-slack")
    paths = [p for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
    assert [(p["path"], p["backend"]["service"]["name"]) for p in paths] == [("/slack", "mathbot-slack")]
    assert ingress["spec"]["tls"]
    assert slack["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_every_pod_is_non_root_with_a_read_only_root_filesystem(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    docs = docs_of(overlay)
    assert len(workloads(docs)) == 5
    for doc in workloads(docs):
        spec = pod_spec(doc)
        assert spec is not None
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True, where
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}, where
        assert spec["automountServiceAccountToken"] is False, where
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            assert not spec.get(key), where
        assert not [v for v in spec.get("volumes", []) if "hostPath" in v], where
        for container in containers(doc):
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, (where, container["name"])
            assert context["allowPrivilegeEscalation"] is False, (where, container["name"])
            assert context["capabilities"] == {"drop": ["ALL"]}, (where, container["name"])
            assert not context.get("privileged"), where
            assert context.get("runAsUser", pod.get("runAsUser")) not in (None, 0), where
        mathbot = [c for c in spec["containers"] if c["image"].startswith("mathbot:")]
        for container in mathbot:  # the writable /tmp that Python's tempfile needs
            volumes = {v["name"]: v for v in spec["volumes"]}
            [tmp] = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
            assert "emptyDir" in volumes[tmp["name"]]
    namespace = find(docs, "Namespace", "mathbot")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_secrets_come_only_from_the_secret(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    docs = docs_of(overlay)
    assert not [doc for doc in docs if doc["kind"] == "Secret"]  # the operator creates it
    settings = config(docs)
    for key, value in settings.items():
        assert not SECRET_NAME.search(key), key
        if "://" in value:
            assert "@" not in (urlsplit(value).netloc), key
    for doc in workloads(docs):
        for container in containers(doc):
            for env in container.get("env", []):
                if SECRET_NAME.search(env["name"]):
                    assert "value" not in env, (doc["metadata"]["name"], env["name"])
                    assert env["valueFrom"]["secretKeyRef"]["name"] == "mathbot-secrets"
            if container["image"].startswith("mathbot:"):
                sources = container["envFrom"]
                # The Secret last: a REDIS_URL or TGI_URL with a password there wins over the ConfigMap.
                assert sources == [
                    {"configMapRef": {"name": "mathbot-config"}},
                    {"secretRef": {"name": "mathbot-secrets"}},
                ]


def test_redis_persists_and_never_evicts(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    docs = docs_of(overlay)
    redis = find(docs, "StatefulSet", "redis")
    server = next(c for c in redis["spec"]["template"]["spec"]["containers"] if c["name"] == "redis")
    options = flags(server["args"])
    assert options["--appendonly"] == "yes"
    assert options["--maxmemory-policy"] == "noeviction"
    [claim] = redis["spec"]["volumeClaimTemplates"]
    assert {"name": claim["metadata"]["name"], "mountPath": options["--dir"]} in server["volumeMounts"]
    maxmemory = int(str(options["--maxmemory"]).removesuffix("mb"))
    limit = int(server["resources"]["limits"]["memory"].removesuffix("Gi")) * 1024
    assert maxmemory < limit
    assert urlsplit(config(docs)["REDIS_URL"]).hostname == find(docs, "Service", "redis")["metadata"]["name"]


def test_prometheus_finds_every_pods_metrics_port(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    for doc in workloads(docs_of(overlay)):
        annotations = doc["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/path"] == "/metrics"
        ports = {p["containerPort"] for c in containers(doc) for p in c.get("ports", [])}
        assert int(annotations["prometheus.io/port"]) in ports, doc["metadata"]["name"]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (with kustomize) is not installed")
def test_the_operator_overlay_in_the_docs_renders_and_validates(tmp_path: Path) -> None:
    """docs/deploy.md's example overlay (image, Ingress host, no Discord) works as written."""
    guide = (K8S.parents[1] / "docs" / "deploy.md").read_text()
    [example] = re.findall(r"```yaml\n# my-mathbot/kustomization.yaml\n(.*?)```", guide, re.S)
    (tmp_path / "my-mathbot").mkdir()
    (tmp_path / "my-mathbot" / "kustomization.yaml").write_text(example)
    (tmp_path / "deploy").symlink_to(K8S.parent)
    result = subprocess.run(
        ["kubectl", "kustomize", str(tmp_path / "my-mathbot")], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    docs = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    assert not [d for d in docs if d["metadata"]["name"] == "mathbot-discord"]
    ingress = find(docs, "Ingress", "mathbot-slack")
    assert ingress["spec"]["rules"][0]["host"] == "mathbot.example.org"
    images = {c["image"] for doc in workloads(docs) for c in containers(doc) if "mathbot" in c["image"]}
    assert images == {"registry.example.org/mathbot:0.1.0"}
    for doc in docs:
        if not doc["apiVersion"].startswith("keda.sh/"):
            kubernetes_validate.validate(doc, KUBERNETES_VERSIONS[-1], strict=True)
