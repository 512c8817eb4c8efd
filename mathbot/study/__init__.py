"""Study groups: check my answer, study mode, practice problems, the problem of the day, leaderboards.

Each flow is written once here, as pure logic and Redis state; the platforms only turn their events into
calls of these modules and the `Card`s they return into their own markup (`bots/<platform>/study*`):

- `bank`: the operator's problem bank (JSONL files in MATHBOT_PROBLEM_BANK), looked up by problem text.
- `check`: verdicts (correct / not what mathbot got / unsure) against an official or a majority answer.
- `hidden`: what a card keeps hidden until someone asks (answer, solution, hints), per user.
- `hints`: a solution cut into steps, shown one at a time, the final answer last.
- `modes`: which channels are in study mode, and who may switch it.
- `practice`: practice problems: posting, submissions, solvers in order, giving up, the reveal.
- `daily`: the problem of the day, scheduled with RQ (`enqueue_at`), posted once per slot.
- `leaderboard`: solves, first solves and streaks per channel and workspace, per week, month, all time.
- `cards`: the platform-neutral messages (`Card`) every flow shows; `texts`: their words.
"""
