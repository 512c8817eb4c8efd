"""What `mathbot --help` and `mathbot COMMAND --help` say: each command's description and the
environment it reads (the settings themselves: `mathbot/settings.py`, the README's table)."""

from __future__ import annotations

from mathbot import defaults


def environment(title: str, rows: list[tuple[str, str]]) -> str:
    """A help section listing variables: `title:` then one aligned row per (names, meaning)."""
    width = max(len(names) for names, _ in rows) + 2
    return "\n".join([f"{title}:", *(f"  {names.ljust(width)}{meaning}" for names, meaning in rows)])


QUEUE = [
    ("REDIS_URL", "the Redis holding the queue (default redis://localhost:6379/0)"),
    ("MATHBOT_QUEUE", "the queue's name (default mathbot): on a Redis others use too, pick your own"),
]

MATHBOT = """\
A math assistant for Slack and Discord: competition problems answered step by step by a reasoning
model, through a Redis queue served by workers."""

MATHBOT_EPILOG = """\
Every command reads its settings from the environment and a .env file in the working directory
(deploy/.env.example lists them all). `mathbot COMMAND --help` says what that command needs."""

ASK = """\
Ask one question through the queue, as Slack and Discord do: a worker (`mathbot worker`) answers it.
Live progress goes to stderr, the solution and a marked final answer to stdout."""

ASK_EPILOG = (
    environment("environment", QUEUE)
    + """

exit codes: 0 answered; 1 failed (server down, worker lost, ...); 2 bad input; 3 truncated (no final
answer within the token budget); 4 no answer within --timeout (the question is then cancelled);
130 Ctrl-C (which cancels it too)."""
)

ASK_TIMEOUT = (
    f"how long to wait for the answer before cancelling it (default: {defaults.ASK_TIMEOUT:.0f} = "
    f"{defaults.ASK_TIMEOUT / 60:.0f} min)"
)

CHECK = """\
Say whether an answer is right without revealing the right one: a problem of the problem bank is graded
against its official answer at once (no generation, no worker); any other goes through the queue and a
worker solves it MATHBOT_VOTE_SAMPLES times, and the verdict is about the majority's answer."""

CHECK_EPILOG = (
    environment(
        "environment",
        [
            (
                "MATHBOT_PROBLEM_BANK",
                "folder of JSONL problem files with official answers (none: always a vote)",
            ),
            *QUEUE,
            ("MATHBOT_VOTE_SAMPLES", "samples drawn for a problem outside the bank (default 5)"),
        ],
    )
    + """

exit codes: 0 correct; 1 wrong (not the official answer, or not what mathbot's majority got); 2 bad
input (no problem or no answer); 3 mathbot is unsure (no answer has more than half of the samples);
4 no verdict (the server failed, a limit refused it, nothing within --timeout); 130 Ctrl-C (cancels it)."""
)

CHECK_TIMEOUT = f"how long to wait for the verdict (default: {defaults.ASK_TIMEOUT:.0f} s)"

WORKER = """\
Answer questions from the queue: N worker processes, one generation in flight each, streaming from
the inference server. Workers post the answers, so they need the chat credentials too."""

WORKER_EPILOG = environment(
    "environment",
    [
        *QUEUE,
        ("TGI_URL", "the inference server(s), comma-separated (default http://localhost:8080)"),
        ("TGI_API_KEY", "its bearer token, if it has one"),
        ("MATHBOT_WORKERS", "processes started without -n (default 1)"),
        ("SLACK_BOT_TOKEN", "to post answers in Slack (one workspace)"),
        ("SLACK_CLIENT_ID", 'instead, with "Add to Slack": each workspace\'s token comes from Redis'),
        ("DISCORD_BOT_TOKEN", "to post answers in Discord"),
    ],
)

SLACK = """\
Run the Slack adapter: HTTP on $PORT, every request (events, /solve, buttons) at POST /slack/events,
health at GET /health; or Socket Mode when SLACK_APP_TOKEN is set. Setup: docs/slack.md."""

SLACK_EPILOG = "\n".join(
    [
        environment(
            "environment (one workspace)",
            [
                ("SLACK_BOT_TOKEN", "the Bot User OAuth Token, xoxb-... (workers need it too)"),
                ("SLACK_SIGNING_SECRET", "the app's Signing Secret (HTTP mode)"),
            ],
        ),
        environment(
            'environment (many workspaces, "Add to Slack", instead of SLACK_BOT_TOKEN)',
            [
                (
                    "SLACK_CLIENT_ID",
                    "the app's Client ID (workers need it too); installs at GET /slack/install",
                ),
                ("SLACK_CLIENT_SECRET", "the app's Client Secret"),
                ("SLACK_SIGNING_SECRET", "the app's Signing Secret (HTTP mode)"),
                ("MATHBOT_SLACK_REDIRECT_URL", "public URL of /slack/oauth_redirect (optional)"),
            ],
        ),
        environment(
            "environment (either way)",
            [
                ("SLACK_APP_TOKEN", "xapp-...: Socket Mode (no public URL, no signing secret)"),
                ("PORT", "the HTTP port (default 3000)"),
                *QUEUE,
            ],
        ),
        "Without SLACK_BOT_TOKEN or SLACK_CLIENT_ID it says so in one line and exits 0 (Slack not in use).",
    ]
)

DISCORD = """\
Run the Discord adapter: one gateway connection (run exactly one per bot token); /solve is registered
at start. Setup: docs/discord.md."""

DISCORD_EPILOG = "\n".join(
    [
        environment(
            "environment",
            [
                ("DISCORD_BOT_TOKEN", "the bot token (workers need it too)"),
                ("MATHBOT_DISCORD_GUILDS", "server ids that get /solve at once (global takes up to an hour)"),
                ("MATHBOT_DISCORD_MESSAGE_CONTENT", "ask for the Message Content intent (default true)"),
                ("DISCORD_API_URL", "Discord's REST API (default https://discord.com/api/v10)"),
                ("DISCORD_GATEWAY_URL", "a gateway address of your own (default: the one Discord hands out)"),
                *QUEUE,
            ],
        ),
        "Without DISCORD_BOT_TOKEN it says so in one line and exits 0 (Discord not in use).",
    ]
)

EVAL = """\
Answer every problem of the sets K times through the evaluation queue (served by `mathbot worker`
after users' questions), grade each sample against the official answer, and report pass@1 and cons@K
per set. Results are stored as they come: the same command resumes."""

EVAL_EPILOG = environment(
    "environment",
    [
        *QUEUE,
        ("MATHBOT_DATA_DIR", "where set names are looked for (see the README's Problem sets)"),
    ],
)

SIM = "run the TGI simulator: TGI's HTTP protocol without a GPU (see `mathbot sim --help`)"

DEMO = "run everything locally on the simulator and ask one problem (see `mathbot demo --help`)"
