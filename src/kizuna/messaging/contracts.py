"""What the messaging domain passes around: templates, their locale variants, rendered output."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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
