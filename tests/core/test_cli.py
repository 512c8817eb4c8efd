"""The `mathbot` command's own behaviour: settings errors name the variable, never a secret."""

import subprocess

from tests.support import processes


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return processes.run(list(args), env, timeout=30)


def test_bad_settings_name_the_variable_and_hide_values() -> None:
    result = run("ask", "hi", MATHBOT_TOP_P="1", PORT="not-a-port", SLACK_BOT_TOKEN="xoxb-TOPSECRET-123")
    assert result.returncode == 2
    assert result.stderr.startswith("mathbot: invalid settings:")
    assert "MATHBOT_TOP_P" in result.stderr and "PORT" in result.stderr
    assert "TOPSECRET" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_budget_settings_must_leave_room_for_an_answer() -> None:
    result = run("ask", "hi", MATHBOT_MAX_TOTAL_TOKENS="3000", MATHBOT_MIN_ANSWER_TOKENS="4096")
    assert result.returncode == 2
    assert "MATHBOT_MIN_ANSWER_TOKENS (4096) must be below MATHBOT_MAX_TOTAL_TOKENS (3000)" in result.stderr


def test_help_lists_the_contract_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("ask", "eval", "worker", "slack", "discord"):
        assert command in result.stdout
