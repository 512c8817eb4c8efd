"""The console adapter: `mathbot ask` in a terminal, through the same queue and workers as the chats."""
