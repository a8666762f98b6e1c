"""Text analysis of free-text feedback (ja / en): tokens, key phrases, sentiment, themes."""
