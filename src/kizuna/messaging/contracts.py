"""What the messaging domain passes around: templates, their locale variants, rendered output."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

LOCALES = ("ja", "en")


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateVariant:
    """One language version of a message. ``html`` and ``text`` may be empty, not both."""

    subject: str
    html: str = ""
    text: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageTemplate:
    """A message in one or more languages (``variants`` keyed ``ja`` / ``en``).

    ``from_address`` and ``reply_to`` are templates too (shared by every variant).
    ``default_locale`` is the variant used when the requested language has none.
    """

    name: str
    variants: Mapping[str, TemplateVariant]
    default_locale: str = "ja"
    from_address: str = ""
    reply_to: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderLimits:
    """Ceilings that keep one template from hurting the server (see docs/reference/templates.md)."""

    max_source_chars: int = 100_000  # per part
    max_output_chars: int = 500_000  # per part, and per intermediate string
    max_seconds: float = 1.0  # per message (all parts together)
    max_subject_chars: int = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderedMessage:
    template: str
    locale: str  # the variant actually used
    requested_locale: str | None
    subject: str
    html: str
    text: str
    from_address: str
    reply_to: str
    render_ms: float
    warnings: tuple[str, ...] = field(default=())


SEND_REFUSALS = ("no_consent", "withdrawn", "suppressed", "frequency_cap", "quiet_hours",
                 "rate_limited")


@dataclass(frozen=True, slots=True, kw_only=True)
class SendDecision:
    """Whether a message may go out now (see docs/reference/consent-and-caps.md).

    ``reason`` is one of :data:`SEND_REFUSALS` when refused. ``defer_until`` is set when the
    refusal is temporary (quiet hours, frequency cap, rate limit): try again then. It is None
    for final refusals (no consent, withdrawn, suppressed).
    """

    allowed: bool
    reason: str | None = None
    defer_until: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SendPolicy:
    """A workspace's marketing caps, quiet hours and per-channel send rates.

    Caps count marketing (non-transactional) sends per customer per local day / week
    (Monday start) in the customer's time zone; 0 means no limit. Quiet hours run from
    ``quiet_start_minute`` to ``quiet_end_minute`` (minutes after local midnight, may wrap
    midnight; equal values mean none). Rates are messages per second per workspace+channel.
    """

    daily_cap: int = 2
    weekly_cap: int = 5
    quiet_start_minute: int = 21 * 60
    quiet_end_minute: int = 8 * 60
    email_per_second: int = 50
    webhook_per_second: int = 20
    other_per_second: int = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class Suppression:
    id: int
    channel: str
    address: str
    customer_id: int | None
    reason: str
    created_at: datetime
