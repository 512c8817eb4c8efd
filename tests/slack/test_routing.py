"""Which Slack events are questions, where they are answered, and their text (pure)."""

from __future__ import annotations

from bots.slack import routing

BOT = "UBOT0001"


def msg(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {"type": "message", "channel": "C1", "ts": "10.1", "user": "U1", "text": "hi"}
    base.update(fields)
    return base


def test_app_mention_is_answered_in_a_thread_under_it() -> None:
    event = msg(type="app_mention", text=f"<@{BOT}> Find $x$ if $x^2 = 4$ &amp; x &gt; 0")
    got = routing.route(event, BOT, "T1")
    assert got is not None
    assert (got.kind, got.channel, got.ts, got.thread, got.team) == ("mention", "C1", "10.1", "10.1", "T1")
    assert got.text == "Find $x$ if $x^2 = 4$ & x > 0"


def test_mention_inside_a_thread_answers_in_that_thread() -> None:
    got = routing.route(msg(type="app_mention", text=f"<@{BOT}> and now?", thread_ts="9.0"), BOT)
    assert got is not None and got.thread == "9.0"


def test_channel_message_mentioning_the_bot_is_a_mention() -> None:
    got = routing.route(msg(text=f"hey <@{BOT}> 1+1?", channel_type="channel"), BOT)
    assert got is not None and got.kind == "mention" and got.text == "hey  1+1?"


def test_plain_channel_message_is_ignored() -> None:
    assert routing.route(msg(channel_type="channel"), BOT) is None


def test_dm_is_a_question_answered_in_a_thread() -> None:
    got = routing.route(msg(channel="D1", channel_type="im", text="What is 2+2?"), BOT)
    assert got is not None and (got.kind, got.thread) == ("dm", "10.1")


def test_thread_reply_without_mention_is_a_candidate_follow_up() -> None:
    got = routing.route(msg(thread_ts="9.0", channel_type="channel", text="why?"), BOT)
    assert got is not None and got.kind == "thread_reply" and got.thread == "9.0"


def test_thread_reply_to_another_person_is_ignored() -> None:
    assert routing.route(msg(thread_ts="9.0", text="<@U2> what do you think?"), BOT) is None


def test_bots_edits_and_deletions_are_never_questions() -> None:
    assert routing.route(msg(bot_id="B1", channel_type="im"), BOT) is None
    assert routing.route(msg(subtype="bot_message", channel_type="im"), BOT) is None
    assert routing.route(msg(user=BOT, channel_type="im"), BOT) is None
    assert routing.route(msg(subtype="message_changed", channel_type="im"), BOT) is None
    assert routing.route(msg(subtype="message_deleted", channel_type="im"), BOT) is None
    assert routing.route(msg(subtype="channel_join", channel_type="channel"), BOT) is None


def test_file_share_and_thread_broadcast_are_questions() -> None:
    assert routing.route(msg(subtype="file_share", channel_type="im"), BOT) is not None
    assert routing.route(msg(subtype="thread_broadcast", thread_ts="9.0"), BOT) is not None


def test_clean_text_names_people_and_never_keeps_slack_markup() -> None:
    text = (
        f"<@{BOT}> <!channel> <!here|here> <@U2|bob> <@U3> <#C9|maths> <https://x.org/a|the link> "
        "<!subteam^S1|@team> <mailto:a@b.c> 1 &lt; 2"
    )
    assert (
        routing.clean_text(text, BOT)
        == "@channel @here @bob @someone #maths the link @team mailto:a@b.c 1 < 2"
    )


def test_mentions() -> None:
    assert routing.mentions(f"a <@{BOT}> b", BOT)
    assert not routing.mentions("a <@U2> b", BOT)
    assert routing.mentions_others(f"<@{BOT}> <@U2>", BOT)
    assert not routing.mentions_others(f"<@{BOT}>", BOT)


def test_an_edited_mention_is_not_asked_again() -> None:
    """Slack sends a fresh app_mention (new event id, same ts) for every edit of a mention."""
    edited = msg(type="app_mention", text=f"<@{BOT}> 1+1?", edited={"user": "U1", "ts": "11.0"})
    assert routing.route(edited, BOT) is None
    assert routing.route({**edited, "type": "message", "channel_type": "im"}, BOT) is None


def test_the_budget_is_the_installing_workspace_not_the_authors_team() -> None:
    """In a Slack Connect channel the author's team is another org; rate limits are the app's."""
    shared = msg(type="app_mention", text=f"<@{BOT}> 1+1?", team="TOTHERORG", user_team="TOTHERORG")
    got = routing.route(shared, BOT, "T1")
    assert got is not None and got.team == "T1"
    fallback = routing.route(shared, BOT)
    assert fallback is not None and fallback.team == "TOTHERORG"


def test_slackbot_is_never_a_question() -> None:
    assert routing.route(msg(user="USLACKBOT", channel="D1", channel_type="im", text="Reminder"), BOT) is None


def test_group_dm_is_routed_like_a_private_channel() -> None:
    """Group DMs (channel_type "mpim"): a mention is a question; a thread reply is a candidate follow-up;
    other talk between the people in it is not for mathbot."""
    mentioned = routing.route(msg(channel="G1", channel_type="mpim", text=f"<@{BOT}> 1+1?"), BOT)
    assert mentioned is not None and (mentioned.kind, mentioned.thread) == ("mention", "10.1")
    reply = routing.route(msg(channel="G1", channel_type="mpim", thread_ts="9.0", text="why?"), BOT)
    assert reply is not None and (reply.kind, reply.thread) == ("thread_reply", "9.0")
    assert routing.route(msg(channel="G1", channel_type="mpim", text="lunch?"), BOT) is None
