"""Chat adapters (console, Slack, Discord): ingest questions, and deliver answers through a Reply."""
