"""Study mode's switch in Redis: managers only, MATHBOT_STUDY_CHANNELS presets that no command changes,
and which questions it hides."""

from __future__ import annotations

import redis

from mathbot.jobs import Question, ReplyTarget, Turn
from mathbot.settings import Settings
from mathbot.study import modes, texts


def question(platform: str, channel: str, task: str = "answer") -> Question:
    target = ReplyTarget(platform=platform, channel=channel)
    return Question(target=target, turns=[Turn(role="user", content="1+1?")], task=task)  # type: ignore[arg-type]


def test_switch_and_presets(redis_conn: redis.Redis, settings: Settings) -> None:
    preset = settings.model_copy(update={"study_channels": ["C0PRESET", "discord:42"]})
    refused = modes.switch(redis_conn, preset, "slack", "C1", True, allowed=False, managers="admins")
    assert refused == modes.Switched(texts.not_allowed("admins"), public=False)
    assert modes.switch(redis_conn, preset, "slack", "C1", True, allowed=True, managers="") == modes.Switched(
        texts.STUDY_ON, public=True
    )
    assert not modes.switch(
        redis_conn, preset, "slack", "C1", True, allowed=True, managers=""
    ).public  # already
    assert modes.is_study(redis_conn, preset, "slack", "C1") and not modes.is_study(
        redis_conn, preset, "discord", "C1"
    )
    assert (
        modes.switch(redis_conn, preset, "slack", "C1", False, allowed=True, managers="").text
        == texts.STUDY_OFF
    )
    assert not modes.is_study(redis_conn, preset, "slack", "C1")

    assert modes.is_study(redis_conn, preset, "slack", "C0PRESET") and modes.is_study(
        redis_conn, preset, "discord", "42"
    )
    assert (
        modes.switch(redis_conn, preset, "slack", "C0PRESET", False, allowed=True, managers="").text
        == texts.STUDY_PRESET
    )
    assert modes.hides(redis_conn, preset, question("slack", "C0PRESET"))
    assert not modes.hides(redis_conn, preset, question("slack", "C0PRESET", task="check"))
    assert not modes.hides(redis_conn, preset, question("console", "C0PRESET"))
