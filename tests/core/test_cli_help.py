"""`mathbot --help` and every command's help: a version, a description per command, the variables the
adapters need, every flag explained, defaults shown, and the truth about what the demo reads."""

from __future__ import annotations

import argparse
import subprocess
from importlib import metadata

import pytest

from mathbot import cli, demo
from mathbot.sim import cli as sim_cli
from tests.support import processes

COMMANDS = ("ask", "worker", "slack", "discord", "sim", "demo")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return processes.run(list(args), {"COLUMNS": "100"}, timeout=30)


def subparsers() -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in cli._parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices)


def own_parsers() -> dict[str, argparse.ArgumentParser]:
    """Every parser with its own flags: the main one, ask, worker, slack, discord, sim and demo."""
    found = {"mathbot": cli._parser(), "sim": sim_cli._parser(), "demo": demo._parser()}
    found.update({k: v for k, v in subparsers().items() if k not in ("sim", "demo")})
    return found


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"mathbot {metadata.version('mathbot')}"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_describes_itself(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == 0
    description = result.stdout.split("\n\n")[1]  # after the usage, before the options
    assert not description.startswith(("options:", "positional arguments:")), result.stdout
    assert len(description.split()) >= 12, description
    listed = run("--help").stdout
    assert f"    {command}  " in listed


def test_the_adapters_list_the_variables_they_need() -> None:
    slack = run("slack", "--help").stdout
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
        "PORT",
        "REDIS_URL",
        "MATHBOT_QUEUE",
    ):
        assert f"\n  {name} " in slack, name
    discord = run("discord", "--help").stdout
    for name in ("DISCORD_BOT_TOKEN", "MATHBOT_DISCORD_GUILDS", "REDIS_URL", "MATHBOT_QUEUE"):
        assert f"\n  {name} " in discord, name
    worker = run("worker", "--help").stdout
    for name in ("REDIS_URL", "TGI_URL", "SLACK_BOT_TOKEN", "DISCORD_BOT_TOKEN"):
        assert f"\n  {name} " in worker, name


def test_every_flag_has_help_and_shows_its_default() -> None:
    for name, parser in own_parsers().items():
        for action in parser._actions:
            if not action.option_strings or isinstance(
                action, argparse._HelpAction | argparse._VersionAction
            ):
                continue
            assert action.help, f"{name} {action.option_strings[0]} has no help"
            text = parser._get_formatter()._expand_help(action)
            if action.default not in (None, False):
                assert "default" in text, f"{name} {action.option_strings[0]}: {text}"


def test_ask_shows_its_timeout_in_minutes() -> None:
    assert "(default: 2700 = 45 min)" in " ".join(run("ask", "--help").stdout.split())


def test_demo_says_it_does_not_read_tgi_url() -> None:
    text = " ".join(run("demo", "--help").stdout.split())
    assert "TGI_URL is not read" in text
    assert "TGI_URL is used when" not in text
