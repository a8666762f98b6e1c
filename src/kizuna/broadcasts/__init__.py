"""Broadcasts: one message to a segment, now or scheduled, throttled, with a holdout."""
