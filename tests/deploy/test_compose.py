"""docker-compose.yml: valid against the Compose specification, and the invariants a GPU host needs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_valid_against_the_compose_spec_schema() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_tgi_is_pinned_and_sized_for_the_model(compose: dict) -> None:
    tgi = compose["services"]["tgi"]
    image = tgi["image"]
    assert re.fullmatch(r"ghcr\.io/huggingface/text-generation-inference:\d+\.\d+\.\d+", image), image
    args = tgi["command"]
    flags = dict(zip(args[::2], args[1::2], strict=True))
    assert flags["--model-id"] == "FractalAIResearch/Fathom-R1-14B"
    assert flags["--max-total-tokens"] == "16384"
    assert int(flags["--max-input-tokens"]) < 16384
    assert flags["--dtype"] == "bfloat16"
    devices = tgi["deploy"]["resources"]["reservations"]["devices"]
    assert devices == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]
    assert tgi["shm_size"] in ("1g", "2g", "4g", "8g")
    assert any(v.endswith(":/data") for v in tgi["volumes"])
    assert "/health" in " ".join(tgi["healthcheck"]["test"])


def test_input_limit_lets_budget_forcing_continue_a_long_reasoning(compose: dict) -> None:
    """A rescued answer's continuation sends the reasoning so far as its prompt: TGI must take up to
    the whole context as input (mathbot keeps MIN_ANSWER_TOKENS for questions on its own side)."""
    from mathbot import defaults

    args = compose["services"]["tgi"]["command"]
    flags = dict(zip(args[::2], args[1::2], strict=True))
    assert int(flags["--max-total-tokens"]) == defaults.MAX_TOTAL_TOKENS
    assert int(flags["--max-input-tokens"]) == defaults.MAX_TOTAL_TOKENS - 1
    assert int(flags["--max-batch-prefill-tokens"]) >= int(flags["--max-input-tokens"])


def test_redis_persists(compose: dict) -> None:
    redis = compose["services"]["redis"]
    assert "--appendonly" in redis["command"] and "yes" in redis["command"]
    assert any(v.endswith(":/data") for v in redis["volumes"])
    assert "healthcheck" in redis


def test_one_image_for_all_mathbot_services(compose: dict) -> None:
    services = compose["services"]
    images = {services[name]["image"] for name in ("worker", "slack", "discord")}
    assert len(images) == 1
    for name in ("worker", "slack", "discord"):
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
        assert services[name]["command"] == [name]
    assert (ROOT / "deploy" / "Dockerfile").is_file()


def test_discord_never_runs_twice(compose: dict) -> None:
    assert compose["services"]["discord"]["deploy"]["replicas"] == 1


def test_env_example_lists_every_setting() -> None:
    from mathbot.settings import Settings

    example = (ROOT / "deploy" / ".env.example").read_text()
    names = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, flags=re.M))
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        env_name = alias if isinstance(alias, str) else f"MATHBOT_{name.upper()}"
        assert env_name in names, f"{env_name} missing from deploy/.env.example"


def seconds(duration: str) -> int:
    """A Compose duration such as "5m", "90s" or "1m30s" in seconds."""
    units = {"h": 3600, "m": 60, "s": 1}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([hms])", duration))


def test_workers_wait_for_a_healthy_model_and_finish_their_answers(compose: dict) -> None:
    worker = compose["services"]["worker"]
    assert worker["depends_on"]["tgi"]["condition"] == "service_healthy"
    assert worker["depends_on"]["redis"]["condition"] == "service_healthy"
    assert seconds(worker["stop_grace_period"]) >= 3 * 60  # the long end of one answer
