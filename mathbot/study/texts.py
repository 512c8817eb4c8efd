"""Every user-facing text of the study features: verdicts, hints, practice, the problem of the day,
leaderboards, study mode. Plain words; the platforms decorate them (`mathbot.present.Style`)."""

from __future__ import annotations

ACTION_LABELS = {
    "hint": "Hint",
    "answer": "Show answer",
    "solution": "Show solution",
    "check": "Check my answer",
    "submit": "Submit answer",
    "giveup": "Give up",
}
"""The buttons of study cards, by kind: what each does is in `mathbot.study.cards`."""

ACTION_EMOJI = {
    "hint": "\N{ELECTRIC LIGHT BULB}",
    "answer": "\N{EYE}",
    "solution": "\N{OPEN BOOK}",
    "check": "\N{WHITE HEAVY CHECK MARK}",
    "submit": "\N{INBOX TRAY}",
    "giveup": "\N{WAVING WHITE FLAG}",
}
"""An emoji per button, where the platform shows one beside the label (Discord)."""

# --- check my answer -------------------------------------------------------------------------------

CORRECT = "✅ Correct"
WRONG_OFFICIAL = "❌ Not the official answer"
WRONG_VOTE = "❌ Not what mathbot got"
UNSURE = "🤔 mathbot is unsure"
CHECKING = "Checking your answer…"
CHECK_USAGE = "Give the problem and your answer, e.g. `/check answer:70 problem:Find the sum of …`."
CHECK_NO_ANSWER = "Give your answer too: the verdict compares it with the right one."
CHECK_NO_PROBLEM = (
    "Which problem? Give it with your answer (outside a thread), or use /check in the thread of a "
    "problem mathbot answered or posted."
)
CHECK_PRIVATE = "Only you will see the verdict."
REVEAL_ONLY_OWNER = "Only the person who asked for this check can reveal its answer."
REVEAL_GONE = "This answer is no longer stored, so it cannot be shown."
REVEAL_ELSEWHERE = "This button belongs to a message in another channel."
NO_FINAL = "mathbot reached no final answer here, so there is none to show."
NOT_READY = "Not ready yet: mathbot is still working on it."


def your_answer(given: str) -> str:
    """Your own answer, quoted back (never the right one)."""
    return f"Your answer: {given.strip()}"


def matches_official(source: str) -> str:
    return f"It matches the official answer ({source})." if source else "It matches the official answer."


def differs_official(source: str) -> str:
    where = f" ({source})" if source else ""
    return f"It is not the official answer{where}. Try again, or reveal the answer below."


def checking(samples: int) -> str:
    """Told at once when a check needs mathbot to solve the problem first."""
    return (
        f"Checking your answer: mathbot solves the problem {samples} times and compares your answer with "
        "the majority's (one to three minutes). Only you will see the verdict."
    )


def agreement(agree: int, samples: int, stopped: int = 0) -> str:
    """`4 of 5 samples agree`: how sure mathbot is of its own answer (`samples` drawn to the end;
    `stopped` more were stopped once they could no longer change the answer)."""
    if samples <= 1 and not stopped:
        return "mathbot answered once (no vote)."
    text = f"All {samples} samples agree" if agree == samples else f"{agree} of {samples} samples agree"
    return text + (f" ({stopped} more stopped early: they could not change the answer)." if stopped else ".")


def vote_matches(matches: int, samples: int) -> str:
    """How many of mathbot's samples gave the submitter's answer."""
    if matches == 0:
        return "None of mathbot's samples gave your answer."
    return f"Your answer matches {matches} of the {samples} samples."


def no_majority(agree: int, samples: int) -> str:
    if agree == 0:
        return f"None of the {samples} samples reached a final answer."
    return f"No clear majority: the most common answer has only {agree} of {samples} samples."


MAY_BE_WRONG = "mathbot can be wrong: the majority of its samples is right most of the time, not always."

# --- revealing ---------------------------------------------------------------------------------------


def answer_title(text: str) -> str:
    return f"Answer: {text}"


SOLUTION_TITLE = "Solution"


def too_long(chars: int) -> str:
    return f"(Too long to show whole: {chars:,} more characters were left out.)"


NO_SOLUTION = "There is no worked solution for this problem."
REASONING_SENT = "The model's full reasoning comes as a file, to you alone."


def official_from(source: str) -> str:
    return f"The official answer ({source})." if source else "The official answer."


def majority_of(agree: int, samples: int) -> str:
    if samples <= 1:
        return "mathbot's answer (one sample)."
    return f"mathbot's majority answer: {agree} of {samples} samples agree."


# --- hints -------------------------------------------------------------------------------------------


def hint_title(number: int, total: int) -> str:
    return f"Hint {number} of {total}"


def final_hint_title(total: int) -> str:
    return f"Hint {total} of {total}: the final answer"


NO_MORE_HINTS = "No more hints: the last one was the final answer."
NO_MORE_PRACTICE_HINTS = "No more hints: the last step is yours. Submit your answer, or give up to see it."

# --- study mode ---------------------------------------------------------------------------------------

HIDDEN_TITLE = "Answer ready (hidden: study mode)"
HIDDEN_NOTE = (
    "This channel is in study mode: the answer stays hidden. Hint shows the solution one step at a "
    "time; Show answer and Show solution reveal them. Only you see what you reveal."
)
NO_FINAL_HIDDEN = (
    "The model ran out of room before a final answer, so there is nothing to reveal but its work."
)
STUDY_ON = (
    "Study mode is on in this channel: mathbot's answers are hidden behind Hint, Show answer and "
    "Show solution, and only whoever clicks sees what they reveal."
)
STUDY_OFF = "Study mode is off in this channel: mathbot shows its answers again."
STUDY_ALREADY_ON = "Study mode is already on in this channel."
STUDY_ALREADY_OFF = "Study mode is already off in this channel."
STUDY_PRESET = (
    "This channel is in study mode by mathbot's settings (MATHBOT_STUDY_CHANNELS): an operator can "
    "change that, not a command."
)


def study_status(on: bool) -> str:
    return STUDY_ON if on else STUDY_OFF


def not_allowed(who: str) -> str:
    """A refused switch: `who` names the platform's managers ("workspace admins and owners")."""
    return f"Only {who} can change this channel's study settings."


MATHBOT_USAGE = (
    "Usage: `study on|off` (hide answers in this channel), `daily on HH:MM TIMEZONE [set]` (a problem "
    "of the day), `daily off`, `daily` (what is set)."
)

# --- practice ---------------------------------------------------------------------------------------


def practice_title(source: str, difficulty: str | None, daily: bool) -> str:
    head = "Problem of the day" if daily else "Practice problem"
    level = f" (difficulty {difficulty})" if difficulty else ""
    return f"{head} · {source}{level}"


def practice_note(hours: float) -> str:
    when = f"{hours:g} hours" if hours != 1 else "an hour"
    return (
        "Submit your answer with the button: only you see whether it is right, and this thread shows who "
        f"solved it. The answer and mathbot's solution are revealed here after {when}."
    )


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def minutes(seconds: float) -> str:
    """`14 min`, `2 h 5 min`, `under a minute`."""
    total = int(seconds // 60)
    if total < 1:
        return "under a minute"
    hours, mins = divmod(total, 60)
    return f"{hours} h {mins} min" if hours else f"{mins} min"


def solved_line(name: str, rank: int, seconds: float) -> str:
    """The thread's public line for a solve: `✅ Ada solved it — 2nd, 14 min` (never the answer)."""
    return f"✅ {name} solved it — {ordinal(rank)}, {minutes(seconds)}"


def submitted_correct(rank: int, seconds: float) -> str:
    return f"✅ Correct! You are the {ordinal(rank)} to solve it ({minutes(seconds)})."


SUBMITTED_AGAIN = "✅ Correct — you had already solved this one."
SUBMITTED_AFTER_GIVING_UP = "✅ Correct — but you gave up on this one, so it does not count."
SUBMITTED_CLOSED = "✅ Correct — but this problem is closed (its answer is out), so it does not count."


def submitted_wrong(cooldown: int) -> str:
    again = f" You can try again in {cooldown} s." if cooldown else " Try again."
    return "❌ Not right." + again


def wait_before(seconds: int) -> str:
    return f"One answer a minute: wait {seconds} s before your next try."


SUBMIT_TITLE = "Your answer"
SUBMIT_LABEL = "Answer"
SUBMIT_PLACEHOLDER = "e.g. 70, \\frac{3}{4}, (2, -1)"
CHECK_TITLE = "Check my answer"
CHECK_PROBLEM_LABEL = "Problem"
PRACTICE_GONE = "This practice problem is no longer stored."
PRACTICE_ELSEWHERE = "This practice problem was posted in another channel."
EMPTY_BANK = (
    "The problem bank is empty: an operator sets MATHBOT_PROBLEM_BANK to a folder of JSONL problem sets."
)


def no_such_problems(set_name: str | None, difficulty: str | None, sets: list[str]) -> str:
    what = " ".join(
        x for x in (set_name and f"set {set_name}", difficulty and f"difficulty {difficulty}") if x
    )
    return f"No problem fits {what or 'that'}. Sets: {', '.join(sets) or 'none'}."


def gave_up_note(counted: bool) -> str:
    if counted:
        return "You had solved it already: giving up changes nothing on the leaderboard."
    return "You gave up on this one: a later right answer will not count on the leaderboard."


def reveal_title(answer: str) -> str:
    return f"⏰ Time's up — the answer is {answer}"


def solvers_line(solvers: list[tuple[str, float]]) -> str:
    """Who solved it, in order: `Solved by 2: Ada (1st, 3 min), Bob (2nd, 14 min).`"""
    if not solvers:
        return "Nobody solved it this time."
    each = ", ".join(f"{name} ({ordinal(i)}, {minutes(s)})" for i, (name, s) in enumerate(solvers, 1))
    return f"Solved by {len(solvers)}: {each}."


MATHBOT_SOLUTION = "mathbot's worked solution:"
OFFICIAL_SOLUTION = "The official solution (mathbot's is not ready):"
NO_WORKED_SOLUTION = "mathbot's worked solution is not available."
SOLUTION_PENDING = "mathbot's worked solution is not ready yet: it comes with the reveal in the thread."

# --- problem of the day -----------------------------------------------------------------------------


def daily_on(schedule: str, set_label: str | None, next_at: str) -> str:
    source = f" from {set_label}" if set_label else ""
    return f"Problem of the day: {schedule}{source}. The next one: {next_at}."


DAILY_OFF = "No problem of the day in this channel any more."
DAILY_NONE = "This channel has no problem of the day. Set one with `daily on HH:MM TIMEZONE [set]`."
DAILY_BAD_TIME = "Give the time as HH:MM (24-hour clock), e.g. `daily on 18:30 Europe/Paris`."


def daily_bad_zone(zone: str) -> str:
    return f"Unknown time zone {zone!r}: use a name like Europe/Paris, America/New_York or UTC."


def daily_unknown_set(name: str, sets: list[str]) -> str:
    return f"No problem set {name!r} in the bank. Sets: {', '.join(sets) or 'none'}."


# --- leaderboard ------------------------------------------------------------------------------------

PERIODS = {"week": "this week", "month": "this month", "all": "all time"}
SCOPES = {"channel": "this channel", "team": "this workspace"}


def board_title(scope: str, period: str) -> str:
    return f"🏆 Leaderboard · {SCOPES.get(scope, scope)} · {PERIODS.get(period, period)}"


def board_row(place: int, name: str, solved: int, first: int, streak: int) -> str:
    parts = [f"{solved} solved", f"{first} first"]
    if streak:
        parts.append(f"🔥 {streak} day{'s' if streak != 1 else ''} in a row")
    return f"{place}. {name} — " + " · ".join(parts)


BOARD_EMPTY = "Nobody has solved a practice problem here yet: `/practice` posts one."
BOARD_NOTE = "Solved: practice problems answered right (before giving up). First: solved before anyone else."
