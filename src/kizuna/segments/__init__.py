"""Segments: conditions over profiles, events, orders and consents, and memberships."""
