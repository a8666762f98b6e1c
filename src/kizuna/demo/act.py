"""The demo's "act and verify" half: segments, metric scores, journeys from the ready-made
templates, and one measured broadcast with its PDCA record.

* Segments: ``vip`` (5+ orders), ``lapsed`` (ordered, but not for 90 days) and the win-back
  template's ``at-risk`` (RFM "At Risk" or P(alive) < 0.3, a metric condition), computed once
  with the metric scores refreshed first.
* Journeys: all six templates; welcome, abandoned cart, post-purchase and detractor follow-up
  are live (events sent to the running demo enrol people); birthday and win-back stay drafts
  so the demo does not queue e-mail nobody can deliver (the demo has no SMTP server).
* A broadcast to ``vip`` on the in-app channel, sent 45 days before the end of the data, so
  its 7-day conversion window is over and the results page has real numbers (the orders are
  CDNOW's, so expect no real uplift — the report says so honestly). In-app marketing needs
  consent for channel ``in_app``: the demo grants it, dated at sign-up with the app's wording,
  to the customers whose e-mail marketing consent is granted (a synthetic assumption: "people
  who accept our newsletter also accept app notices").
* A PDCA record for the broadcast with the measured result.

Everything goes through the domain facades and is idempotent (existing keys are kept).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from kizuna.broadcasts import api as broadcasts
from kizuna.broadcasts.contracts import BroadcastInput
from kizuna.clock import Clock
from kizuna.db.engine import transaction
from kizuna.errors import KizunaError
from kizuna.experiments import api as experiments
from kizuna.experiments.contracts import ActionKind, PdcaInput, PdcaStatus
from kizuna.journeys import api as journeys
from kizuna.profiles import api as profiles
from kizuna.segments import api as segments
from kizuna.types import CustomerId, WorkspaceId

log = logging.getLogger("kizuna.demo")

SEGMENTS = (
    ("vip", "VIP (5+ orders) / 優良顧客", {"orders": {"at_least": 5}}),
    ("lapsed", "Lapsed 90 days / 90日購入なし", {"no_order_for_days": 90}),
)
LIVE_JOURNEYS = ("welcome", "abandoned_cart", "post_purchase", "detractor_follow_up")
DRAFT_JOURNEYS = ("birthday", "win_back")
BROADCAST_KEY = "vip-autumn-notice"
IN_APP_WORDING = "アプリ内のお知らせ（キャンペーン情報）を受け取ります。/ I agree to receive " \
                 "news and offers in the app."


@dataclass(frozen=True, slots=True, kw_only=True)
class ActReport:
    segments: int
    journeys: int
    broadcast_recipients: int
    in_app_consents: int


def _ensure_segments(session: Session, workspace_id: WorkspaceId, now: datetime) -> None:
    known = {s.key for s in segments.list_segments(session, workspace_id)}
    for key, name, condition in SEGMENTS:
        if key not in known:
            segments.create_segment(session, workspace_id, key=key, name=name,
                                    condition=condition, now=now)


def _ensure_journeys(session: Session, workspace_id: WorkspaceId, now: datetime) -> int:
    known = {j.key for j in journeys.list_journeys(session, workspace_id)}
    made = 0
    for name in (*LIVE_JOURNEYS, *DRAFT_JOURNEYS):
        key = name.replace("_", "-")
        if key in known:
            continue
        journeys.create_from_template(session, workspace_id, name, key=key, locale="ja",
                                      now=now)
        if name in LIVE_JOURNEYS:
            journeys.set_status(session, workspace_id, key, "live", now=now)
        made += 1
    return made


def _grant_in_app(session: Session, workspace_id: WorkspaceId,
                  customer_ids: dict[str, CustomerId]) -> int:
    granted = 0
    for cid in customer_ids.values():
        history = profiles.list_consents(session, workspace_id, cid)
        if any(c.channel == "in_app" for c in history):
            continue
        email = [c for c in history if c.channel == "email" and c.purpose == "marketing"]
        if not email or email[-1].status != "granted":
            continue
        profiles.record_consent(session, workspace_id, cid, channel="in_app",
                                purpose="marketing", status="granted", method="app_settings",
                                wording=IN_APP_WORDING, at=min(c.recorded_at for c in email))
        granted += 1
    return granted


def _broadcast_template() -> dict[str, object]:
    return {
        "name": "vip-autumn-notice", "default_locale": "ja",
        "ja": {"subject": "{{ customer.first_name or 'お客様' }}へ：秋の名盤セールのご案内",
               "text": "いつもご利用ありがとうございます。VIP のお客様だけに、秋の名盤を "
                       "15% オフでご案内します。"},
        "en": {"subject": "{{ customer.first_name or 'Hello' }}, our autumn classics sale",
               "text": "Thank you for being one of our best customers: autumn classics are "
                       "15% off for you this week."},
    }


def load_act(sessions: sessionmaker[Session], *, workspace_id: WorkspaceId,
             customer_ids: dict[str, CustomerId], data_end: datetime,
             clock: Clock) -> ActReport:
    """Set up the act-and-verify examples (see the module docstring)."""
    now = clock.now()
    with transaction(sessions) as session:
        database_url = session.get_bind().engine.url.render_as_string(hide_password=False)
        _ensure_segments(session, workspace_id, now)
        consents = _grant_in_app(session, workspace_id, customer_ids)
    try:  # metric scores first: the at-risk segment of the win-back template uses them
        segments.refresh_workspace_scores(sessions, workspace_id, now, database_url=database_url)
    except KizunaError as exc:
        log.warning("demo: metric scores not computed: %s", exc)
    with transaction(sessions) as session:
        made = _ensure_journeys(session, workspace_id, now)
        outcomes = segments.recompute_all(session, workspace_id, now)
        exists = any(b.key == BROADCAST_KEY
                     for b in broadcasts.list_broadcasts(session, workspace_id).items)
        if not exists:
            broadcasts.create_broadcast(session, workspace_id, BroadcastInput(
                key=BROADCAST_KEY, name="VIP autumn notice / VIP 秋のご案内",
                segment_key="vip", template=_broadcast_template(), channel="in_app",
                holdout_pct=20.0, window_days=7.0), created_by="demo", now=now)
    recipients = 0
    if not exists:
        sent_at = data_end - timedelta(days=45)
        sent = broadcasts.send_broadcast(sessions, workspace_id, BROADCAST_KEY, now=sent_at)
        with transaction(sessions) as session:
            results = broadcasts.results(session, workspace_id, BROADCAST_KEY, now=data_end)
            recipients = sum(results.arm_sizes.values())
            experiments.create_record(session, workspace_id, PdcaInput(
                title="VIP autumn notice / VIP 向け秋のご案内",
                hypothesis="An in-app notice of a 15 % sale makes VIP customers order within "
                           "7 days more often than a 20 % holdout.",
                action_kind=ActionKind.BROADCAST, action_ref=sent.key,
                experiment_key=f"broadcast:{sent.key}", status=PdcaStatus.MEASURED,
                result_summary=_summary(results.report),
                result=results.report.as_dict() if results.report else None,
                next_step="Repeat with a stronger offer and a larger segment before "
                          "deciding."), created_by="demo", at=now)
    return ActReport(segments=len(outcomes), journeys=made, broadcast_recipients=recipients,
                     in_app_consents=consents)


def finished(session: Session, workspace_id: WorkspaceId) -> bool:
    """Whether the demo broadcast was sent (the last step of a demo load)."""
    return any(b.key == BROADCAST_KEY and b.status.value == "sent"
               for b in broadcasts.list_broadcasts(session, workspace_id).items)


def _summary(report: experiments.ExperimentReport | None) -> str:
    if report is None or not report.arms:
        return "Not enough data yet."
    arms = ", ".join(f"{a.name}: {a.conversions}/{a.n} ({a.conversion_rate:.1%})"
                     for a in report.arms)
    verdict = ("enough data" if report.enough_data
               else "not enough data for a conclusion")
    return f"{arms}; {verdict}."
