"""The evaluation adapter: `mathbot eval` asks competition problems through the same queue, workers and
answer path as a user's question (on the evaluation queue), and scores the answers."""
