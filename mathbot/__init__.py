"""mathbot: a Slack and Discord math assistant built around long, queued, observable answers."""

__version__ = "0.1.0"
