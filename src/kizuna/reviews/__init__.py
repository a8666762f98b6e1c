"""Product reviews and their moderation."""
