"""Study groups: check my answer, study mode, practice problems, the problem of the day, leaderboards.

Each flow is written once here, as pure logic and Redis state; the platforms only turn their events into
calls of these modules and the `Card`s they return into their own markup (`bots/<platform>/study*`):

- `bank`: the operator's problem bank (JSONL files in MATHBOT_PROBLEM_BANK), looked up by problem text.
- `check`: verdicts (correct / not what mathbot got / unsure) against an official or a majority answer;
  `checking`: the one path of /check (the bank's answer at once, else a check question on the queue).
- `hidden`: what a card keeps hidden until someone asks (answer, solution, hints), per user.
- `hints`: a solution cut into steps, shown one at a time, the final answer last.
- `modes`: which channels are in study mode, who may switch it, the hidden answer card.
- `practice`: posting and keeping a practice problem; `solving`: submissions, solvers in order, hints,
  giving up, the reveal.
- `daily`: the problem of the day, scheduled with RQ (`enqueue_at`), posted once per slot.
- `leaderboard`: solves, first solves and streaks per channel and workspace, per week, month, all time.
- `clicks`: a button or a form, whatever the platform; `commands`: the study commands.
- `cards`: the platform-neutral messages (`Card`) every flow shows; `texts`: their words.
"""
