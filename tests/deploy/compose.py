"""What `docker compose` makes of docker-compose.yml, without Docker: the project's `.env` (compose's
own format), `${VAR:-default}` interpolation, and profiles (COMPOSE_PROFILES or `--profile` flags).

Only the parts of the Compose specification this repository uses; anything else is refused, so a
test never passes over a construct it does not understand.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "deploy" / ".env.example"

_VARIABLE = re.compile(
    r"\$\$"  # an escaped dollar
    r"|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)


class ComposeError(Exception):
    """The file would not load in `docker compose` (a required variable unset, a dependency missing)."""


def read_env_file(path: Path) -> dict[str, str]:
    """A `.env` file as compose reads it: KEY=VALUE lines, `#` comments, optional quotes."""
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :]
        key, sep, value = line.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", key.strip()):
            raise ComposeError(f"{path.name}:{number}: not KEY=VALUE: {raw!r}")
        value = value.strip()
        if value[:1] in ("'", '"') and value.endswith(value[0]) and len(value) > 1:
            value = value[1:-1]
        else:
            value = re.sub(r"\s+#.*$", "", value)
        values[key.strip()] = value
    return values


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Every string in `value` with `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`,
    `${VAR:+alternative}` and `$$` resolved the way compose resolves them."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("name") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        current = env.get(name)
        unset_or_empty = not current
        if op in (":-", "-"):
            return arg if (unset_or_empty if op == ":-" else current is None) else (current or "")
        if op in (":?", "?"):
            if unset_or_empty if op == ":?" else current is None:
                raise ComposeError(f"required variable {name} is missing: {arg}")
            return current or ""
        if op in (":+", "+"):
            return arg if not (unset_or_empty if op == ":+" else current is None) else ""
        return current or ""

    return _VARIABLE.sub(substitute, value)


def active_profiles(env: dict[str, str], flags: list[str] | None = None) -> set[str]:
    """`--profile` flags when given, else COMPOSE_PROFILES from the environment (compose's precedence)."""
    if flags:
        return set(flags)
    return {p.strip() for p in env.get("COMPOSE_PROFILES", "").split(",") if p.strip()}


def load(env: dict[str, str], profiles: list[str] | None = None, path: Path = COMPOSE) -> dict[str, Any]:
    """The project model for these variables and profiles: interpolated, disabled services removed, and
    checked as compose checks it (a dependency on a disabled service must be `required: false`)."""
    raw = yaml.safe_load(path.read_text())
    model = interpolate({k: v for k, v in raw.items() if not k.startswith("x-")}, env)
    active = active_profiles(env, profiles)
    services: dict[str, Any] = model["services"]
    enabled = {
        name: service
        for name, service in services.items()
        if not service.get("profiles") or active & set(service["profiles"])
    }
    for name, service in enabled.items():
        for dependency, config in _depends_on(service).items():
            if dependency not in services:
                raise ComposeError(f"service {name} depends on undefined service {dependency}")
            if dependency not in enabled and config.get("required", True):
                raise ComposeError(f"service {name} depends on {dependency}, which no active profile enables")
    model = copy.deepcopy(model)
    model["services"] = copy.deepcopy(enabled)
    return model


def _depends_on(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    depends = service.get("depends_on") or {}
    if isinstance(depends, list):
        return {name: {} for name in depends}
    return depends


def aliases(service: dict[str, Any]) -> list[str]:
    """The network aliases of a service on the default network."""
    networks = service.get("networks") or {}
    if isinstance(networks, list):
        return []
    return list((networks.get("default") or {}).get("aliases") or [])


def env_of(service: dict[str, Any], env_file: dict[str, str]) -> dict[str, str]:
    """What the container's process sees: the env_file's values, overridden by `environment`."""
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {**env_file, **{k: str(v) for k, v in environment.items()}}


def seconds(duration: str) -> int:
    """A Compose duration such as "5m", "90s" or "1m30s" in seconds."""
    units = {"h": 3600, "m": 60, "s": 1}
    parts = re.findall(r"(\d+)([hms])", duration)
    if not parts or "".join(n + u for n, u in parts) != duration:
        raise ComposeError(f"not a duration: {duration!r}")
    return sum(int(n) * units[u] for n, u in parts)
