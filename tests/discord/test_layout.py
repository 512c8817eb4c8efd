"""The pure Discord formatter: answer messages within Discord's limits, progress, errors, names."""

from __future__ import annotations

from dataclasses import replace

from bots.discord import layout, texts
from mathbot import messages, render
from mathbot.errors import (
    Cancelled,
    EmptyQuestion,
    MathbotError,
    QuestionTooLong,
    ServerOverloaded,
    ServerRejected,
    ServerTimeout,
    ServerUnavailable,
)
from mathbot.outcome import Answer, Progress

PROBLEM = "Find the sum of all integer bases $b > 9$ for which $17_b$ is a divisor of $97_b$."
SOLUTION = (
    "Since $17_b = b + 7$ and $97_b = 9b + 7$, we need $b + 7 \\mid 9b + 7$.\n\n"
    "\\[ 9b + 7 = 9(b + 7) - 56 \\]\n\n"
    "So $b + 7 \\mid 56$, hence $b \\in \\{21, 49\\}$ and the sum is $\\boxed{70}$."
)


def answer(**changes: object) -> Answer:
    base = Answer(
        question=PROBLEM,
        reasoning="Let me think about bases. " * 40,
        solution=SOLUTION,
        final="70",
        truncated=False,
        finish_reason="stop",
        prompt_tokens=120,
        completion_tokens=4321,
        thinking_seconds=83.0,
        elapsed=90.0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_short_answer_is_one_message_with_the_final_answer_on_top() -> None:
    (part,) = layout.answer_parts(answer())
    lines = part.content.split("\n")
    assert lines[0] == "## Final answer: 70"
    assert "b + 7 ∣ 56" in part.content and "**70**" in part.content
    assert "\\boxed" not in part.content and "$" not in part.content
    assert lines[-1].startswith("-# 4,321 tokens · thought for 1:23 · full reasoning attached")
    assert texts.FOLLOW_UP in lines[-1]
    names = [f.filename for f in part.files]
    assert names[-1] == "reasoning.md" and names[:-1] == ["formula-1.png"]
    assert part.files[0].data.startswith(b"\x89PNG")
    reasoning = part.files[-1].data.decode()
    assert "Let me think about bases." in reasoning and "4,321" in reasoning


def test_long_answer_is_split_under_the_content_limit_with_nothing_lost() -> None:
    paragraphs = [
        f"Step {i}: we check that $x_{{{i}}} = {i}^2 + {i}$ holds for every case. " * 6 for i in range(36)
    ]  # under MAX_MESSAGES messages: nothing is cut
    long = answer(solution="\n\n".join(paragraphs) + "\n\nSo the answer is $\\boxed{70}$.")
    parts = layout.answer_parts(long, images=False)
    assert len(parts) > 5
    assert all(0 < len(p.content) <= layout.CONTENT_LIMIT for p in parts)
    assert parts[0].content.startswith("## Final answer: 70")
    assert all(not p.files for p in parts[:-1]) and parts[-1].files[-1].filename == "reasoning.md"
    joined = "\n\n".join(p.content for p in parts)
    for i in (0, 17, 35):
        assert f"Step {i}:" in joined
    assert joined.rstrip().endswith(texts.FOLLOW_UP)


def test_a_60000_character_answer_takes_ten_messages_and_attaches_the_whole_solution() -> None:
    """Capped as on Slack: nine messages of the solution, then a last one that says where the rest is,
    with the whole solution attached beside the reasoning (it used to take 32 messages)."""
    paragraphs = [
        f"Step {i}: " + "we check that $x_{i} = i^2 + i$ holds in this case too. " * 5 for i in range(210)
    ]
    solution = "\n\n".join(paragraphs) + "\n\nSo the answer is $\boxed{70}$."
    assert len(solution) > 60_000
    parts = layout.answer_parts(answer(solution=solution))
    assert len(parts) == layout.MAX_MESSAGES
    assert all(0 < len(p.content) <= layout.CONTENT_LIMIT for p in parts)
    assert parts[0].content.startswith("## Final answer: 70")
    assert all(not p.files for p in parts[:-1])
    last = parts[-1]
    note, footer = last.content.split("\n")
    shown = "\n\n".join(p.content for p in parts[:-1])
    left_out = int(note.split("its last ")[1].split(" characters")[0].replace(",", ""))
    assert note.startswith("-# ") and "the attached solution.md" in note, note
    assert footer.startswith("-# ") and "full reasoning attached" in footer and texts.FOLLOW_UP in footer
    assert "Step 0:" in shown and "Step 209:" not in shown
    rendered = len(render.to_text(solution, "discord"))
    assert rendered - 500 < len(shown) + left_out < rendered + 500, (len(shown), left_out, rendered)
    names = [f.filename for f in last.files]
    assert names[-2:] == ["reasoning.md", layout.SOLUTION_FILENAME] and len(names) <= 10
    whole = last.files[-1].data.decode()
    assert whole.startswith("# Solution") and solution in whole and PROBLEM in whole


def test_a_cut_answer_without_attachments_says_what_was_left_out() -> None:
    paragraphs = [f"Step {i}: " + "the argument goes on, and on. " * 10 for i in range(200)]
    parts = layout.answer_parts(answer(solution="\n\n".join(paragraphs)), attach=False)
    assert len(parts) == layout.MAX_MESSAGES and not any(p.files for p in parts)
    assert "characters were left out" in parts[-1].content and texts.NO_ATTACHMENTS in parts[-1].content


def test_formula_images_are_bounded() -> None:
    displays = "\n\n".join(f"\\[ x^{{{i}}} + y^{{{i}}} = z^{{{i}}} \\]" for i in range(10))
    (part,) = layout.answer_parts(answer(solution=displays + "\n\nThus $\\boxed{70}$."))
    images = [f for f in part.files if f.filename.endswith(".png")]
    assert len(images) == layout.MAX_FORMULA_IMAGES
    assert len(part.files) <= 10


def test_truncated_answer_says_so_and_shows_what_there_is() -> None:
    cut = answer(solution="", final=None, truncated=True, finish_reason="length")
    (part,) = layout.answer_parts(cut)
    assert part.content.startswith("## No final answer")
    assert messages.TRUNCATED in part.content
    assert [f.filename for f in part.files] == ["reasoning.md"]
    assert list(part.components) == layout.retry_components(), "a truncated answer offers a retry"
    (row,) = part.components
    (button,) = row["components"]
    assert button["custom_id"] == layout.RETRY_ID and button["label"] == "Try again"
    assert button["emoji"] == {"name": "🔁"}


def test_a_complete_answer_has_no_buttons() -> None:
    assert all(part.components == () for part in layout.answer_parts(answer(), images=False))


def test_dropped_turns_and_aime_note_are_shown() -> None:
    aime_style = "Find the remainder when $N$ is divided by 1000."
    odd = answer(
        question=aime_style, final="\\frac{1}{2}", solution="So $\\boxed{\\frac{1}{2}}$.", dropped_turns=3
    )
    content = layout.answer_parts(odd, images=False)[0].content
    assert messages.dropped_turns(3) in content
    assert "AIME answers are integers 0–999" in content


def test_model_output_cannot_ping() -> None:
    rude = answer(solution="Hey @everyone and <@123456789012345678>: $\\boxed{70}$", final="70")
    content = layout.answer_parts(rude, images=False)[0].content
    assert "@everyone" not in content and "<@123456789012345678>" not in content


def test_progress_lines() -> None:
    assert layout.progress_text(Progress("queued", position=3)) == messages.queued(3)
    line = layout.progress_text(Progress("thinking", 1234, 42.0, "so $x_1 = 5$ and <@1> @here are next"))
    head, snippet = line.split("\n")
    assert head == "**Thinking…** · 1,234 tokens · 0:42"
    assert snippet.startswith("> ") and "@here" not in snippet and "<@1>" not in snippet
    retry = layout.progress_text(
        Progress("retrying", elapsed=5.0, detail="Server overloaded. Retrying in 8 s.")
    )
    assert retry.endswith("Server overloaded. Retrying in 8 s.")
    huge = layout.progress_text(Progress("thinking", 1, 1.0, "word " * 5000))
    assert len(huge) <= layout.CONTENT_LIMIT


def test_error_text_is_plain_and_safe() -> None:
    assert layout.error_text("The server is down. @everyone") == "⚠️ The server is down. @\u200beveryone"


def test_try_again_only_where_asking_again_could_help() -> None:
    could_pass = [
        ServerUnavailable(messages.gave_up(messages.SERVER_FAILING, 5)),
        ServerOverloaded(messages.SERVER_OVERLOADED),
        ServerTimeout(messages.SERVER_TIMEOUT),
        ServerRejected(messages.SERVER_REJECTED),
        MathbotError(messages.WORKER_LOST),
        MathbotError(messages.TIMED_OUT),
    ]
    for error in could_pass:
        part = layout.error_part(error)
        assert part.content == layout.error_text(error.user_message)
        assert list(part.components) == layout.retry_components(), error
    for error in (EmptyQuestion(), QuestionTooLong(9000, 4000), Cancelled()):
        assert layout.error_part(error).components == (), error


def test_thread_names_fit_discord() -> None:
    assert (
        layout.thread_name(PROBLEM)
        == "Find the sum of all integer bases b > 9 for which 17_b is a divisor of 97_b."
    )
    long = layout.thread_name("Compute " + "the value of $x^2$ " * 30)
    assert 1 <= len(long) <= layout.THREAD_NAME_LIMIT and long.endswith("…")
    assert layout.thread_name("   \n  ") == texts.DEFAULT_THREAD_NAME


def test_slash_problem_post_quotes_the_problem_or_uses_an_embed() -> None:
    content, embeds = layout.problem_post(PROBLEM, "Alice")
    assert content.startswith("**Alice** asked:\n>>> Find the sum") and embeds == []
    content, embeds = layout.problem_post("word " * 900, "Alice")
    assert content == "**Alice** asked:" and len(embeds[0]["description"]) <= layout.EMBED_DESCRIPTION_LIMIT
