"""Journeys: multi-step, event-triggered customer flows with holdouts (see docs/reference/journeys.md)."""
