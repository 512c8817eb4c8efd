"""The platform seam holds: every registered platform is complete, and the import boundaries that keep the
core pure are kept (checked on the source, so a new import anywhere is caught)."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest

from mathbot import platforms, present
from mathbot.jobs import ReplyTarget
from mathbot.reply import Reply

ROOT = Path(__file__).resolve().parents[2]
CHAT_SDKS = ("slack_sdk", "slack_bolt", "discord")


def imports(path: Path) -> Iterator[str]:
    """Every module a file imports (top level or inside functions), as written."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def offenders(files: list[Path], banned: tuple[str, ...], *, allowed: tuple[str, ...] = ()) -> list[str]:
    found = []
    for path in files:
        name = path.relative_to(ROOT).as_posix()
        if name.startswith(allowed):
            continue
        for module in imports(path):
            if module.split(".")[0] in banned or any(module.startswith(b + ".") for b in banned if "." in b):
                found.append(f"{name} imports {module}")
    return found


@pytest.mark.parametrize("name", sorted(platforms.PLATFORMS))
def test_every_registered_platform_has_a_reply_and_texts(name: str) -> None:
    platform = platforms.get(name)
    make_reply = getattr(platform.reply_module(), "make_reply", None)
    assert callable(make_reply), f"bots/{name}/reply.py has no make_reply(target, settings)"
    assert list(inspect.signature(make_reply).parameters) == ["target", "settings"]
    assert isinstance(platform.style(), present.Style), f"bots/{name}/texts.py has no STYLE"
    returned = inspect.signature(make_reply).return_annotation
    reply_class = getattr(platform.reply_module(), str(returned).split(".")[-1], None)
    assert reply_class is not None
    for method in ("placeholder", "progress", "answer", "error", "card"):
        assert callable(getattr(reply_class, method, None)), f"{name}'s Reply lacks {method}"
    assert ReplyTarget(platform=name, channel="c").platform == name


def test_a_platform_that_is_not_registered_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown platform"):
        ReplyTarget(platform="irc", channel="#math")


def test_the_reply_protocol_is_what_platforms_implement() -> None:
    assert [m for m in dir(Reply) if not m.startswith("_")] == [
        "answer",
        "card",
        "error",
        "placeholder",
        "progress",
    ]


def test_the_core_imports_no_chat_sdk_and_no_adapter_or_worker() -> None:
    banned = (*CHAT_SDKS, "bots", "workers")
    assert offenders(sources("mathbot"), banned, allowed=("mathbot/cli.py",)) == []


def test_workers_reach_the_chats_only_through_the_core() -> None:
    # the benchmarks are clients of the pipeline: they read answers as the console does
    assert offenders(sources("workers"), (*CHAT_SDKS, "bots"), allowed=("workers/bench",)) == []


def test_only_the_queue_module_and_the_workers_touch_rq() -> None:
    assert offenders(sources("mathbot"), ("rq",), allowed=("mathbot/queue.py",)) == []
    assert offenders(sources("bots"), ("rq",)) == []


def test_each_adapter_keeps_to_its_own_platform() -> None:
    for name in platforms.PLATFORMS:
        others = tuple(f"bots.{other}" for other in platforms.PLATFORMS if other != name)
        sdks = tuple(sdk for sdk in CHAT_SDKS if not sdk.startswith(name))
        assert offenders(sources(f"bots/{name}"), (*others, *sdks, "workers")) == [], name
