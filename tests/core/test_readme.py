"""The README says what a newcomer needs in the first hour, and says it truly."""

from __future__ import annotations

import re

import yaml

from tests.support.processes import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The text of the `## title` section (up to the next `## `)."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, flags=re.M | re.S)
    assert match, f"no section {title!r} in the README"
    return match.group(1)


def test_the_by_hand_recipe_warns_that_a_shared_redis_shares_the_queue() -> None:
    quickstart = " ".join(section("Quickstart").split())
    assert "On a shared Redis, use a queue of your own." in quickstart
    assert "export MATHBOT_QUEUE=mathbot-$USER" in quickstart
    assert "takes and answers other people's questions" in quickstart


def test_the_problem_sets_are_explained_for_a_checkout_anywhere() -> None:
    sets = " ".join(section("Problem sets").split())
    assert "FractalAIResearchLabs/Fathom-R1" in sets  # where they come from
    assert "export MATHBOT_DATA_DIR=/path/to/that/folder" in sets
    order = [
        "`MATHBOT_DATA_DIR` names",
        "beside the working directory",
        "beside the checkout",
        "`/work/shared/data`",
    ]
    places = [sets.index(words) for words in order]
    assert places == sorted(places)  # the order mathbot.data looks in


def test_the_readme_does_not_promise_official_answers_the_simulator_cannot_give() -> None:
    quickstart = " ".join(section("Quickstart").split())
    assert "it boxes the official answer for problems it finds in `../shared/data`" not in quickstart
    assert "gets a made-up answer" in quickstart


def test_docs_name_the_inference_server_as_compose_runs_it() -> None:
    """A TGI_URL in the docs that names a compose service must be the one compose gives the workers."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    worker_url = compose["services"]["worker"]["environment"]["TGI_URL"]
    default = re.fullmatch(r"\$\{INFERENCE_URL:-(.+)\}", worker_url).group(1)  # type: ignore[union-attr]
    hosts = set(compose["services"]) | {"inference"}
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for url in re.findall(r"TGI_URL=(http://[\w.-]+:\d+)", doc.read_text()):
            host = url.split("//")[1].split(":")[0]
            if host in hosts:
                assert url == default, f"{doc.name}: TGI_URL={url}, but compose serves {default}"


def test_the_slack_guide_lists_the_manifest_s_scopes() -> None:
    guide = (ROOT / "docs" / "slack.md").read_text()
    paragraph = guide[guide.index("Scopes, and why:") : guide.index("After changing scopes")]
    manifest = yaml.safe_load((ROOT / "deploy" / "slack-manifest.yml").read_text())
    granted = set(manifest["oauth_config"]["scopes"]["bot"])
    named = set(re.findall(r"`([a-z_]+:[a-z_]+|commands)`", paragraph))
    assert granted <= named and named - granted == {"im:read"}  # the one said to be not needed
