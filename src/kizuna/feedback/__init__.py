"""The voice of the customer in one place: every comment (surveys, reviews, ideas), its
sentiment and theme, tags, and the closed loop (follow-up tasks for detractors)."""
