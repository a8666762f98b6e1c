"""Metrics: definitions users check against textbooks (see docs/reference/).

``kizuna.metrics.satisfaction`` computes NPS, CSAT and CES with n, an interval and a test of
change between periods, as pure functions over answers (no database, no HTTP).
"""
