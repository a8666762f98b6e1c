"""Journeys: multi-step, event-triggered customer flows with holdouts.

See docs/reference/journeys.md.
"""
