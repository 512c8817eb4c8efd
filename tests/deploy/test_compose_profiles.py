"""docker-compose.yml as an operator runs it: `cp deploy/.env.example .env && docker compose up`, and
each `--profile` choice, checked against the Compose specification's schema and the invariants."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.compose import (
    ENV_EXAMPLE,
    ROOT,
    ComposeError,
    aliases,
    env_of,
    load,
    read_env_file,
    seconds,
)

SERVERS = ("tgi", "vllm", "sglang")
MODEL = "FractalAIResearch/Fathom-R1-14B"
MATHBOT_SERVICES = ("worker", "slack", "discord")
PROFILE_CHOICES = [
    [],  # COMPOSE_PROFILES from .env.example
    ["tgi"],
    ["vllm"],
    ["sglang"],
    ["vllm", "slack", "discord", "tls", "monitoring"],
    ["sglang", "slack", "monitoring"],
    ["slack", "discord"],  # servers elsewhere, through INFERENCE_URL
]


@pytest.fixture(scope="module")
def example() -> dict[str, str]:
    return read_env_file(ENV_EXAMPLE)


def validate(model: dict[str, Any], tmp_path: Path) -> None:
    rendered = tmp_path / "compose.rendered.yml"
    rendered.write_text(yaml.safe_dump(model, sort_keys=False))
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(rendered)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("profiles", PROFILE_CHOICES, ids=lambda p: "+".join(p) or "env-example")
def test_every_profile_choice_loads_and_matches_the_compose_schema(
    profiles: list[str], example: dict[str, str], tmp_path: Path
) -> None:
    model = load(example, profiles)
    validate(model, tmp_path)
    services = model["services"]
    servers = [name for name in services if "inference" in aliases(services[name])]
    assert len(servers) == (0 if profiles == ["slack", "discord"] else 1), servers
    assert {"redis", "worker"} <= set(services)


def test_the_example_env_starts_tgi_and_both_adapters(example: dict[str, str]) -> None:
    services = load(example)["services"]
    assert {"tgi", "redis", "worker", "slack", "discord"} == set(services)


def test_the_example_env_gives_64_workers(example: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The documented deploy: compose reads .env both for `${MATHBOT_WORKERS:-64}` and as env_file."""
    from mathbot.settings import Settings

    worker = load(example)["services"]["worker"]
    environment = env_of(worker, example)
    assert environment["MATHBOT_WORKERS"] == "64"
    for name in [*Settings.model_fields, "REDIS_URL", "TGI_URL", "PORT"]:
        monkeypatch.delenv(name.upper(), raising=False)
        monkeypatch.delenv(f"MATHBOT_{name.upper()}", raising=False)
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.workers == 64
    assert settings.redis_url == "redis://redis:6379/0"
    assert settings.tgi_url == "http://inference:8000"


def test_an_operator_choice_of_workers_still_wins(example: dict[str, str]) -> None:
    worker = load({**example, "MATHBOT_WORKERS": "16"})["services"]["worker"]
    assert worker["environment"]["MATHBOT_WORKERS"] == "16"


@pytest.mark.parametrize("server", SERVERS)
def test_each_server_profile_is_the_one_inference_server(server: str, example: dict[str, str]) -> None:
    services = load(example, [server])["services"]
    assert [name for name in services if "inference" in aliases(services[name])] == [server]
    assert set(SERVERS) & set(services) == {server}
    worker = services["worker"]
    assert worker["environment"]["TGI_URL"] == "http://inference:8000"
    assert worker["depends_on"][server]["condition"] == "service_healthy"
    spec = services[server]
    assert spec["deploy"]["resources"]["reservations"]["devices"] == [
        {"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}
    ]
    assert "model-cache:/data" in spec["volumes"]
    assert int(spec["shm_size"].rstrip("g")) >= 1
    test = " ".join(spec["healthcheck"]["test"])
    assert "localhost:8000/health" in test
    assert seconds(spec["healthcheck"]["start_period"]) >= 15 * 60  # a 30 GB download
    assert re.fullmatch(r"[\w./-]+:v?\d+\.\d+\.\d+", spec["image"]), spec["image"]
    assert spec["restart"] == "unless-stopped"


def test_a_server_outside_compose_is_reached_through_inference_url(example: dict[str, str]) -> None:
    urls = "http://gpu-1:8080,http://gpu-2:8080"
    services = load({**example, "INFERENCE_URL": urls}, ["slack", "discord"])["services"]
    assert not set(SERVERS) & set(services)
    for name in MATHBOT_SERVICES:
        assert services[name]["environment"]["TGI_URL"] == urls


def flags(args: list[str]) -> dict[str, str | None]:
    """`--flag value` pairs and bare `--flag`s of a command line."""
    found: dict[str, str | None] = {}
    for i, arg in enumerate(args):
        if arg.startswith("--"):
            nxt = args[i + 1] if i + 1 < len(args) else None
            found[arg] = None if nxt is None or nxt.startswith("--") else nxt
    return found


def test_vllm_serves_the_model_with_its_reasoning_parser(example: dict[str, str]) -> None:
    vllm = load(example, ["vllm"])["services"]["vllm"]
    assert vllm["image"].startswith("vllm/vllm-openai:")
    assert vllm["entrypoint"] == ["vllm", "serve"]
    assert vllm["command"][0] == MODEL
    options = flags(vllm["command"])
    assert options["--max-model-len"] == "16384"
    assert options["--reasoning-parser"] == "deepseek_r1"
    assert options["--port"] == "8000" and options["--host"] == "0.0.0.0"


def test_sglang_serves_the_model_with_its_reasoning_parser(example: dict[str, str]) -> None:
    sglang = load(example, ["sglang"])["services"]["sglang"]
    assert sglang["image"].startswith("lmsysorg/sglang:")
    assert sglang["entrypoint"] == ["python3", "-m", "sglang.launch_server"]
    options = flags(sglang["command"])
    assert options["--model-path"] == MODEL
    assert options["--context-length"] == "16384"
    assert options["--reasoning-parser"] == "deepseek-r1"
    assert "--enable-metrics" in options
    assert options["--port"] == "8000" and options["--host"] == "0.0.0.0"


def test_tgi_is_the_archived_servers_last_release_and_listens_where_the_others_do(
    example: dict[str, str],
) -> None:
    tgi = load(example, ["tgi"])["services"]["tgi"]
    assert tgi["image"] == "ghcr.io/huggingface/text-generation-inference:3.3.6"
    options = flags(tgi["command"])
    assert options["--port"] == "8000" and options["--model-id"] == MODEL


def test_a_dependency_on_a_disabled_required_service_is_refused(
    example: dict[str, str], tmp_path: Path
) -> None:
    """The loader is as strict as compose: this is what `required: false` on the worker avoids."""
    broken = tmp_path / "docker-compose.yml"
    broken.write_text((ROOT / "docker-compose.yml").read_text().replace("        required: false\n", "", 1))
    load(example, ["tgi"], path=broken)
    with pytest.raises(ComposeError, match="depends on tgi"):
        load(example, ["vllm"], path=broken)


def test_redis_keeps_the_queue_and_never_evicts_it(example: dict[str, str]) -> None:
    command = load(example)["services"]["redis"]["command"]
    options = flags(command)
    assert options["--appendonly"] == "yes"
    assert options["--appendfsync"] in ("everysec", "always")
    assert options["--maxmemory-policy"] == "noeviction"


def test_unconfigured_adapters_are_not_restarted_and_the_rest_is(example: dict[str, str]) -> None:
    services = load(example)["services"]
    assert services["slack"]["restart"] == "on-failure"
    assert services["discord"]["restart"] == "on-failure"
    for name in ("worker", "redis", "tgi"):
        assert services[name]["restart"] == "unless-stopped"


def health_url(service: dict[str, Any]) -> str:
    test = " ".join(service["healthcheck"]["test"])
    match = re.search(r"http://127\.0\.0\.1:(\d+)/health", test)
    assert match, test
    return match.group(1)


def test_worker_and_adapters_have_health_checks_on_their_ports(example: dict[str, str]) -> None:
    services = load(example)["services"]
    for name in ("worker", "discord"):
        port = services[name]["environment"]["MATHBOT_METRICS_PORT"]
        assert port == "9100"
        assert health_url(services[name]) == port
    assert health_url(services["slack"]) == services["slack"]["environment"]["PORT"]


def test_workers_drain_for_longer_than_one_answer(example: dict[str, str]) -> None:
    worker = load(example)["services"]["worker"]
    assert seconds(worker["stop_grace_period"]) > int(example["MATHBOT_JOB_TIMEOUT"])


def test_mathbot_containers_have_read_only_root_filesystems(example: dict[str, str]) -> None:
    services = load(example)["services"]
    for name in MATHBOT_SERVICES:
        assert services[name]["read_only"] is True
        assert "/tmp" in services[name]["tmpfs"]


def test_slack_is_plain_http_on_loopback_only_and_tls_proxies_slacks_paths(example: dict[str, str]) -> None:
    services = load({**example, "SLACK_PUBLIC_HOST": "bot.example.org"}, ["tgi", "slack", "tls"])["services"]
    assert services["slack"]["ports"] == ["127.0.0.1:3000:3000"]
    caddy = services["caddy"]
    assert sorted(caddy["ports"]) == ["443:443", "80:80"]
    assert caddy["environment"]["SLACK_PUBLIC_HOST"] == "bot.example.org"
    caddyfile = (ROOT / "deploy" / "caddy" / "Caddyfile").read_text()
    assert "{$SLACK_PUBLIC_HOST} {" in caddyfile
    assert re.search(r"handle /slack/\* \{\s+reverse_proxy slack:3000", caddyfile)


def test_every_bind_mount_exists_in_the_repository(example: dict[str, str]) -> None:
    services = load(example, ["vllm", "slack", "discord", "tls", "monitoring"])["services"]
    mounts = [v.split(":")[0] for s in services.values() for v in s.get("volumes", []) if v.startswith("./")]
    assert len(mounts) >= 4
    for source in mounts:
        assert (ROOT / source).exists(), source


def test_monitoring_scrapes_every_mathbot_service_and_loads_the_rules(example: dict[str, str]) -> None:
    services = load(example, ["tgi", "monitoring"])["services"]
    assert {"prometheus", "grafana", "redis-exporter"} <= set(services)
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
    targets = {}
    for job in config["scrape_configs"]:
        for sd in job.get("dns_sd_configs", []):
            targets[sd["names"][0]] = sd["port"]
        for static in job.get("static_configs", []):
            for target in static["targets"]:
                host, port = target.split(":")
                targets[host] = int(port)
    assert targets["worker"] == 9100 and targets["discord"] == 9100
    assert targets["slack"] == 3000 and targets["inference"] == 8000
    assert "redis-exporter" in targets


def test_example_env_names_only_the_profiles_compose_defines(example: dict[str, str]) -> None:
    raw = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    defined = {p for s in raw["services"].values() for p in s.get("profiles", [])}
    assert defined == {"tgi", "vllm", "sglang", "slack", "discord", "tls", "monitoring"}
    assert set(example["COMPOSE_PROFILES"].split(",")) <= defined
