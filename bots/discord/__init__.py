"""The Discord adapter: mentions, /solve, DMs and thread follow-ups in; threaded answers out."""
