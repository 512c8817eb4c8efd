"""Local fake chat servers speaking the real protocols: `slack` (Web API, Socket Mode, signed requests)
and `discord` (REST and gateway). Tests run mathbot against them, never against the internet."""
