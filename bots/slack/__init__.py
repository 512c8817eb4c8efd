"""The Slack adapter: Bolt app (mentions, /solve, DMs, thread follow-ups) and the worker's SlackReply."""
