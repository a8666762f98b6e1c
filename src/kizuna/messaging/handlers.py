"""Registers the ``message.send`` outbox handler; call :func:`register` before a worker starts.

The ``kizuna worker`` command and the server's worker thread call it with their settings (the
email channel needs ``KIZUNA_SMTP_URL``); tests may build a :class:`MessageSender` directly.
"""

from __future__ import annotations

from kizuna.clock import Clock
from kizuna.jobs import api as jobs
from kizuna.messaging.sending import KIND, MessageSender
from kizuna.settings import Settings


def register(settings: Settings, *, clock: Clock | None = None) -> MessageSender:
    """Make ``message.send`` runnable by workers built after this call in this process."""
    sender = MessageSender.from_settings(settings, clock=clock)
    jobs.register_handler(KIND, sender)
    return sender
