"""Validation of broadcasts (pure: no database)."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import datetime
from typing import Any

from kizuna.broadcasts.contracts import ArmSpec, BroadcastInput
from kizuna.broadcasts.errors import BroadcastInvalid
from kizuna.clock import ensure_aware_utc
from kizuna.errors import KizunaError
from kizuna.experiments import api as experiments
from kizuna.messaging import api as messaging

KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
PURPOSE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
CHANNELS = ("email", "webhook", "in_app")
DEFAULT_ARM = "message"
MAX_ARMS = 10
MAX_THROTTLE = 1_000_000


def _fail(field: str, message: str) -> BroadcastInvalid:
    return BroadcastInvalid(message, field=field)


def _text(value: str, field: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise _fail(field, f"The {field} is empty; write something.")
    if len(text) > limit or "\x00" in text:
        raise _fail(field, f"The {field} must be at most {limit} characters without NUL.")
    return text


def check_template(document: Any, field: str) -> dict[str, Any]:
    """The template document if ``messaging`` accepts it (ja / en subject, html, text)."""
    if not isinstance(document, dict):
        raise _fail(field, f"The {field} must be a template document (a JSON object).")
    try:
        messaging.template_from_document(document)
    except KizunaError as exc:
        raise _fail(field, f"The {field} is not a usable template: {exc}") from None
    return document


def clean(item: BroadcastInput) -> BroadcastInput:
    """``item`` with text trimmed and defaults filled; raises :class:`BroadcastInvalid`."""
    if not KEY.match(item.key or ""):
        raise _fail("key", "The key must be 1-100 of a-z, 0-9, '-' or '_' (starting with a "
                           "letter or digit).")
    name = _text(item.name, "name", 200)
    if not KEY.match(item.segment_key or ""):
        raise _fail("segment_key", "Name the segment by its key (see `kizuna segments list`).")
    if item.channel not in CHANNELS:
        raise _fail("channel", f"The channel must be one of {', '.join(CHANNELS)}.")
    if not PURPOSE.match(item.purpose or ""):
        raise _fail("purpose", "The purpose must be 1-32 of a-z, 0-9, '-' or '_' "
                               "(e.g. marketing, newsletter).")
    template = check_template(item.template, "template")
    arms = item.arms or (ArmSpec(name=DEFAULT_ARM),)
    if len(arms) > MAX_ARMS:
        raise _fail("arms", f"At most {MAX_ARMS} arms.")
    for arm in arms:
        if not KEY.match(arm.name):
            raise _fail("arms", f"Arm name {arm.name!r}: use 1-100 of a-z, 0-9, '-' or '_'.")
        if arm.template is not None:
            check_template(arm.template, f"arms.{arm.name}.template")
    try:
        experiments.check_arms([experiments.Arm(a.name, a.weight) for a in arms],
                               item.holdout_pct, item.global_control_pct)
    except KizunaError as exc:
        raise _fail(str(exc.fields.get("field", "arms")), str(exc)) from None
    if item.holdout_pct + item.global_control_pct >= 100:
        raise _fail("holdout_pct", "holdout_pct + global_control_pct must stay below 100.")
    goal = (item.goal_event or "").strip() or None
    if goal is not None and len(goal) > 200:
        raise _fail("goal_event", "The goal event name must be at most 200 characters.")
    if not (math.isfinite(item.window_days) and 0 < item.window_days <= 365):
        raise _fail("window_days", "The conversion window must be more than 0 and at most "
                                   "365 days.")
    throttle = item.throttle_per_minute
    if throttle is not None and not 1 <= throttle <= MAX_THROTTLE:
        raise _fail("throttle_per_minute", f"The throttle must be 1 to {MAX_THROTTLE:,} "
                                           "messages per minute (or none).")
    url = (item.webhook_url or "").strip()
    if item.channel == "webhook" and not re.match(r"^https?://[^\s/]+", url):
        raise _fail("webhook_url", "A webhook broadcast needs an http(s) URL to post to.")
    scheduled: datetime | None = None
    if item.scheduled_at is not None:
        try:
            scheduled = ensure_aware_utc(item.scheduled_at)
        except ValueError:
            raise _fail("scheduled_at", "Give the time with its time zone.") from None
    return replace(item, name=name, template=template, arms=tuple(arms), goal_event=goal,
                   webhook_url=url, scheduled_at=scheduled)
