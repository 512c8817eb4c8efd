"""Every Redis key family mathbot writes, in one place, each with what it holds and how long it lives.

RQ keeps its own keys (`rq:queue:<name>` is the list of waiting job ids, `rq:job:<id>` a job's hash);
everything of mathbot's starts with `mathbot:`. Modules build keys through these prefixes only.
"""

from __future__ import annotations

SEEN = "mathbot:seen:"
"""One-time claims (`mathbot.claims`): a chat event, a button click, an upload. TTL: the claim's own
(DEDUPE_TTL, 15 min, for events; MATHBOT_SLACK_KEEP_SECONDS or the result TTL for clicks)."""

QUESTION = "mathbot:question:"
"""`<id>`: a question's JSON, for the buttons under its messages ("Try again", "Cancel"). TTL: result TTL."""

MESSAGE = "mathbot:message:"
"""`<platform>:<message id>`: the question a chat message belongs to (its placeholder, and every further
message of its answer). TTL: result TTL."""

PARTS = "mathbot:parts:"
"""`<platform>:<placeholder>`: hash of part index → message id of an answer's further messages, so a
repeated delivery edits them instead of posting them twice. TTL: result TTL."""

RUN = "mathbot:run:"
"""`<id>`: the question's fencing number, raised by every run that starts (and by a sweep that gives up
on a run): only the run holding the current number may edit or deliver. TTL: result TTL."""

STATE = "mathbot:state:"
"""`<id>`: "delivered" or "cancelled" once the question is over; nothing edits it after. TTL: result TTL."""

GATE = "mathbot:gate:"
"""`<id>`: the lock serialising every edit of one question's messages (worker progress and answer, the
adapter's "queued" and "cancelled" edits). TTL: `runs.LOCK_SECONDS`."""

THREAD = "mathbot:thread:"
"""`<platform>:<channel>:<thread>`: a conversation's turns, for follow-ups. TTL: 30 days after the last."""

LIMITS = "mathbot:limits:"
"""`flight:<scope>:<key>` (sorted set of questions in flight) and `hour:<scope>:<key>:<hour>` (counter),
for per-user and per-channel limits; `reserved:<queue key>` (places taken in a queue between admission and
the push, so the cap is one atomic step). TTL: the job timeout (flight), one hour (hour), 30 s (reserved)."""

CONSOLE = "mathbot:console:"
"""`<question id>`: the stream of events `mathbot ask` reads (progress, answer, error). TTL: one day."""

EVAL = "mathbot:eval:"
"""`<run id>`: the stream of finished samples of one `mathbot eval` run (question id, status, final answer,
tokens; no reasoning), which the run reads and stores. TTL: result TTL after the last sample; deleted once
the run has stored every sample."""

SLACK = "mathbot:slack:"
"""`<kind>:<channel>:<ts>`: a Slack answer's reasoning (for "Show reasoning").
TTL: MATHBOT_SLACK_KEEP_SECONDS."""

SLACK_EDITS = "mathbot:slack:edits:"
SLACK_COOLDOWN = "mathbot:slack:cooldown:"
SLACK_WANTING = "mathbot:slack:wanting:"
SLACK_LAST_EDIT = "mathbot:slack:last-edit:"
"""`<team>`: a workspace's chat.update budget (sliding 60 s window, 429 cool-down, fair share). TTL:
about a minute (ten for last-edit)."""

SERVER = "mathbot:server:"
"""`<server>`: hash of what an inference server can do (its token-count endpoint, where its chat template
comes from, its budget-forcing route), probed once for every worker. TTL: SERVER_PROBE_TTL."""

FLEET_LEASES = "mathbot:fleet:leases:"
"""`<server>`: sorted set of the generations in flight on a server (member: lease id, score: expiry by
Redis' clock), refreshed while they stream. No TTL (expired members are dropped on every use)."""

FLEET_DOWN = "mathbot:fleet:down:"
"""`<server>`: set while a server fails its health check; no generation goes there meanwhile. TTL: a few
health-check intervals (a server nobody checks any more is tried again)."""

FLEET_CHECK = "mathbot:fleet:check:"
"""`<server>`: claim of the next health check of a server, so the fleet checks it once per interval.
TTL: SERVER_HEALTH_INTERVAL."""

DISCORD_INTENT = "mathbot:discord:message_content"
"""Whether the running Discord adapter has the Message Content intent ("1"/"0"). No TTL."""

STUDY = "mathbot:study:"
"""Study groups (`mathbot.study`), by sub-family:

- `mode:<platform>:<channel>`: "1"/"0", study mode switched by `/mathbot study on|off`. No TTL.
- `hidden:<ref>`: JSON of what a card hides (a check's or study-mode answer's final answer, solution,
  reasoning; where it was shown, whose it is). TTL: MATHBOT_RESULT_TTL (checks, answers).
- `hints:<ref>`: hash user → hints shown to that user. TTL: as its `hidden:` record.
- `practice:<id>`: a practice problem's JSON (problem, official answer, where, when, deadline,
  mathbot's solution once generated). TTL: until the deadline plus STUDY_KEEP_SECONDS.
- `practice-at:<platform>:<thread>`: the practice problem posted with that thread. TTL: as `practice:`.
- `solvers:<id>` (sorted set user → seconds after posting), `gave-up:<id>` (set): who solved a
  practice problem, in order, and who gave up. TTL: as `practice:`.
- `tries:<id>:<user>`: a submission's cool-down (no brute forcing). TTL: MATHBOT_SUBMIT_COOLDOWN.
- `private:<platform>:<ref>`: how a worker reaches the person a private card is for (Discord: the
  interaction's token, valid 15 minutes). TTL: 14 minutes.
- `daily:<platform>:<channel>`: a channel's problem-of-the-day settings (JSON). No TTL.
- `recent:<platform>:<channel>`: problems recently posted there (not posted again soon). TTL: a year.
- `board:<scope>:<period>:<stat>`: sorted sets user → count (`stat` solved | first) per scope
  (`<platform>:channel:<id>`, `<platform>:team:<id>`) and period (`all`, `week:<ISO week>`,
  `month:<YYYY-MM>`). No TTL for `all` (persistent); weeks and months: 400 days.
- `streak:<scope>`: hash user → "<last solve day>|<days in a row>". No TTL.
- `names:<platform>`: hash user → display name, for leaderboards (never a ping). No TTL.

Claims (`SEEN`) of the study features: `study:closed:<practice id>` (a reveal, once),
`study:daily:<platform>:<channel>:<day>` (a problem of the day, once per slot; 8 days).
"""
