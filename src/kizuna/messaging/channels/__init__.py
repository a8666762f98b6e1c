"""Delivery channels: one module per provider (``smtp``, ``webhook``) behind :class:`Channel`.

Every channel returns a :data:`DeliveryOutcome` (delivered, retryable or failed) and never
raises for a delivery problem; the outbox decides when to retry from ``retry_after``.
"""
