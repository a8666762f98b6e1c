"""The send gate on real databases: consent, suppression, caps per local day, quiet hours,
send rates, and the policy settings."""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from kizuna.messaging import api as messaging
from kizuna.messaging.errors import SendPolicyInvalid
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.types import CustomerId, WorkspaceId
from kizuna.workspaces.contracts import Workspace

# Monday 2 Nov 2026 14:30 UTC = 23:30 in Tokyo (Mon), 06:30 in Los Angeles (Mon, PST).
NOW = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
_ids = itertools.count()


def _customer(s: Session, ws: WorkspaceId, *, tz: str | None = "Asia/Tokyo",
              consent: str | None = "granted", channel: str = "email",
              email: str | None = None) -> CustomerId:
    n = next(_ids)
    [cid] = profiles.upsert_customers(s, ws, [CustomerUpsert(
        external_id=f"pol-{n}", email=email or f"c{n}@example.com", timezone=tz)],
        NOW - timedelta(days=30))
    if consent:
        profiles.record_consent(s, ws, cid, channel=channel, purpose="marketing",
                                status=consent, method="form", wording="Send me offers",
                                at=NOW - timedelta(days=20))
    return cid


def _check(s: Session, ws: WorkspaceId, cid: int, at: datetime = NOW, *,
           channel: str = "email", purpose: str = "marketing",
           transactional: bool = False) -> messaging.SendDecision:
    return messaging.check_send(s, ws, cid, channel=channel, purpose=purpose,
                                transactional=transactional, now=at)


def _no_quiet(s: Session, ws: WorkspaceId, **changes: int) -> None:
    messaging.update_policy(s, ws, now=NOW, quiet_start_minute=0, quiet_end_minute=0,
                            **changes)


def test_marketing_needs_the_latest_consent_granted(session: Session,
                                                    workspace: Workspace) -> None:
    ws = workspace.id
    _no_quiet(session, ws)
    absent = _customer(session, ws, consent=None)
    withdrawn = _customer(session, ws, consent="withdrawn")
    granted = _customer(session, ws)
    regranted = _customer(session, ws, consent="withdrawn")
    profiles.record_consent(session, ws, regranted, channel="email", purpose="marketing",
                            status="granted", method="form", wording="yes", at=NOW)
    assert _check(session, ws, absent) == messaging.SendDecision(allowed=False,
                                                                 reason="no_consent")
    assert _check(session, ws, withdrawn) == messaging.SendDecision(allowed=False,
                                                                    reason="withdrawn")
    assert _check(session, ws, granted).allowed
    assert _check(session, ws, regranted).allowed
    # consent is per channel: email consent does not allow webhook marketing
    assert _check(session, ws, granted, channel="webhook").reason == "no_consent"
    profiles.record_consent(session, ws, granted, channel="email", purpose="marketing",
                            status="withdrawn", method="unsubscribe-link", wording=None,
                            at=NOW)
    assert _check(session, ws, granted).reason == "withdrawn"


def test_transactional_is_exempt_only_when_marked(session: Session,
                                                  workspace: Workspace) -> None:
    ws = workspace.id
    _no_quiet(session, ws, daily_cap=1)
    cid = _customer(session, ws, consent="withdrawn")
    assert _check(session, ws, cid, purpose="transactional").reason == "no_consent"
    assert _check(session, ws, cid, purpose="transactional", transactional=True).allowed
    granted = _customer(session, ws)
    messaging.record_send(session, ws, granted, channel="email", purpose="marketing",
                          idempotency_key="k-tx-1", now=NOW - timedelta(minutes=5))
    assert _check(session, ws, granted).reason == "frequency_cap"
    assert _check(session, ws, granted, transactional=True).allowed
    # transactional sends do not use up the marketing cap
    other = _customer(session, ws)
    messaging.record_send(session, ws, other, channel="email", purpose="receipt",
                          idempotency_key="k-tx-2", now=NOW - timedelta(minutes=5),
                          transactional=True)
    assert _check(session, ws, other).allowed


def test_transactional_skips_quiet_hours(session: Session, workspace: Workspace) -> None:
    ws = workspace.id
    cid = _customer(session, ws)  # 23:30 in Tokyo: quiet by default (21:00–08:00)
    assert _check(session, ws, cid).reason == "quiet_hours"
    assert _check(session, ws, cid, transactional=True).allowed


def test_suppression_refuses_and_is_normalised(session: Session, workspace: Workspace) -> None:
    ws = workspace.id
    _no_quiet(session, ws)
    cid = _customer(session, ws, email="mika@example.com")
    assert not messaging.is_suppressed(session, ws, channel="email",
                                       address="MIKA@example.com ")
    messaging.suppress(session, ws, channel="email", address=" Mika@Example.COM",
                       reason="unsubscribed", now=NOW)
    assert messaging.is_suppressed(session, ws, channel="email", address="mika@example.com")
    assert _check(session, ws, cid) == messaging.SendDecision(allowed=False,
                                                              reason="suppressed")
    # an unsubscribe does not stop receipts; a hard bounce does
    assert _check(session, ws, cid, transactional=True).allowed
    messaging.suppress(session, ws, channel="email", address="mika@example.com",
                       reason="hard_bounce", now=NOW)
    assert _check(session, ws, cid, transactional=True).reason == "suppressed"
    assert len(messaging.list_suppressions(session, ws)) == 1  # suppressing twice keeps one
    assert messaging.unsuppress(session, ws, channel="email", address="MIKA@example.com") == 1
    assert _check(session, ws, cid).allowed


def test_customer_suppression_on_a_channel(session: Session, workspace: Workspace) -> None:
    ws = workspace.id
    _no_quiet(session, ws)
    cid = _customer(session, ws, channel="webhook")
    assert _check(session, ws, cid, channel="webhook").allowed
    messaging.suppress(session, ws, channel="webhook", address=None, customer_id=cid,
                       reason="complaint", now=NOW)
    assert _check(session, ws, cid, channel="webhook").reason == "suppressed"
    assert _check(session, ws, cid, channel="webhook", transactional=True).reason == "suppressed"
    with pytest.raises(SendPolicyInvalid):
        messaging.suppress(session, ws, channel="email", address="x@example.com",
                           reason="bored", now=NOW)
    with pytest.raises(SendPolicyInvalid):
        messaging.suppress(session, ws, channel="email", address="", reason="manual", now=NOW)


def test_suppression_list_pages(session: Session, workspace: Workspace) -> None:
    ws = workspace.id
    for i in range(5):
        messaging.suppress(session, ws, channel="email", address=f"P{i}@example.com",
                           reason="manual", now=NOW)
    first = messaging.list_suppressions(session, ws, limit=2)
    second = messaging.list_suppressions(session, ws, limit=2, after_id=first[-1].id)
    rest = messaging.list_suppressions(session, ws, limit=10, after_id=second[-1].id)
    assert [e.address for e in first + second + rest] == [f"p{i}@example.com"
                                                          for i in range(5)]
    assert messaging.list_suppressions(session, ws, channel="webhook") == []


def test_daily_cap_counts_the_customers_local_day_across_the_date_line(
    session: Session, workspace: Workspace
) -> None:
    ws = workspace.id
    _no_quiet(session, ws, daily_cap=2, weekly_cap=0)
    tokyo = _customer(session, ws, tz="Asia/Tokyo")
    la = _customer(session, ws, tz="America/Los_Angeles")
    for cid in (tokyo, la):
        for k in range(2):
            assert _check(session, ws, cid, NOW - timedelta(hours=1)).allowed
            messaging.record_send(session, ws, cid, channel="email", purpose="marketing",
                                  idempotency_key=f"day-{cid}-{k}",
                                  now=NOW - timedelta(hours=1))
    t, la_decision = _check(session, ws, tokyo), _check(session, ws, la)
    assert (t.reason, t.defer_until) == ("frequency_cap", datetime(2026, 11, 2, 15, tzinfo=UTC))
    assert (la_decision.reason, la_decision.defer_until) == (
        "frequency_cap", datetime(2026, 11, 3, 8, tzinfo=UTC))
    later = NOW + timedelta(hours=1)  # 00:30 on Tuesday in Tokyo, still Monday in LA
    assert _check(session, ws, tokyo, later).allowed
    assert _check(session, ws, la, later).reason == "frequency_cap"


def test_weekly_cap_defers_to_monday_after_quiet_hours(session: Session,
                                                       workspace: Workspace) -> None:
    ws = workspace.id
    messaging.update_policy(session, ws, now=NOW, daily_cap=0, weekly_cap=2)
    cid = _customer(session, ws, tz="Asia/Tokyo")
    monday_noon = datetime(2026, 11, 2, 3, tzinfo=UTC)  # 12:00 JST
    for k in range(2):
        at = monday_noon + timedelta(days=k)
        assert _check(session, ws, cid, at).allowed
        messaging.record_send(session, ws, cid, channel="email", purpose="marketing",
                              idempotency_key=f"wk-{k}", now=at)
    decision = _check(session, ws, cid, monday_noon + timedelta(days=3))
    # next Monday 00:00 JST is quiet (21:00–08:00): try at 08:00 JST = 23:00 UTC Sunday
    assert (decision.reason, decision.defer_until) == (
        "frequency_cap", datetime(2026, 11, 8, 23, tzinfo=UTC))
    assert decision.defer_until is not None
    assert _check(session, ws, cid, decision.defer_until).allowed


@pytest.mark.parametrize(("at", "until"), [
    (datetime(2026, 11, 2, 13, tzinfo=UTC), datetime(2026, 11, 2, 23, tzinfo=UTC)),  # 22:00
    (datetime(2026, 11, 2, 20, tzinfo=UTC), datetime(2026, 11, 2, 23, tzinfo=UTC)),  # 05:00
    (datetime(2026, 11, 2, 12, tzinfo=UTC), datetime(2026, 11, 2, 23, tzinfo=UTC)),  # 21:00
])
def test_quiet_hours_defer_to_the_end_of_the_window(
    session: Session, workspace: Workspace, at: datetime, until: datetime
) -> None:
    ws = workspace.id
    cid = _customer(session, ws, tz="Asia/Tokyo")
    assert _check(session, ws, cid, at) == messaging.SendDecision(
        allowed=False, reason="quiet_hours", defer_until=until)
    assert _check(session, ws, cid, until).allowed
    assert _check(session, ws, cid, until - timedelta(minutes=1)).reason == "quiet_hours"


def test_quiet_hours_follow_the_customer_zone_and_policy(session: Session,
                                                         workspace: Workspace) -> None:
    ws = workspace.id
    la = _customer(session, ws, tz="America/Los_Angeles")  # 06:30 local at NOW
    assert _check(session, ws, la).defer_until == datetime(2026, 11, 2, 16, tzinfo=UTC)
    messaging.update_policy(session, ws, now=NOW, quiet_start_minute=6 * 60,
                            quiet_end_minute=6 * 60 + 15)
    assert _check(session, ws, la).allowed
    fallback = _customer(session, ws, tz="Not/AZone")  # workspace zone (Asia/Tokyo)
    assert _check(session, ws, fallback).allowed  # 23:30 Tokyo is outside 06:00–06:15


def test_rate_limit_per_channel_defers_by_the_needed_delay(session: Session,
                                                           workspace: Workspace) -> None:
    ws = workspace.id
    _no_quiet(session, ws, email_per_second=3)
    cid = _customer(session, ws)
    for k, ms in enumerate((500, 400, 200)):
        messaging.record_send(session, ws, cid, channel="email", purpose="receipt",
                              idempotency_key=f"r-{k}", transactional=True,
                              now=NOW - timedelta(milliseconds=ms))
    expected = messaging.SendDecision(allowed=False, reason="rate_limited",
                                      defer_until=NOW + timedelta(milliseconds=500))
    assert _check(session, ws, cid) == expected
    assert _check(session, ws, cid, transactional=True) == expected
    assert _check(session, ws, cid, NOW + timedelta(milliseconds=500)).allowed
    other = _customer(session, ws, channel="webhook")
    assert _check(session, ws, other, channel="webhook").allowed  # another channel's budget


def test_record_send_is_idempotent_and_follows_merges(runtime: Runtime,
                                                      workspace: Workspace) -> None:
    ws = workspace.id
    with runtime.sessions() as s, s.begin():
        _no_quiet(s, ws, daily_cap=1)
        keep = _customer(s, ws)
        gone = _customer(s, ws)
        keep_ext = profiles.get_customer(s, ws, keep).external_id
        gone_ext = profiles.get_customer(s, ws, gone).external_id
        assert messaging.record_send(s, ws, gone, channel="email", purpose="marketing",
                                     idempotency_key="same", now=NOW)
        assert not messaging.record_send(s, ws, gone, channel="email", purpose="marketing",
                                         idempotency_key="same", now=NOW)
        assert keep_ext and gone_ext
        profiles.alias(s, ws, previous_id=gone_ext, user_id=keep_ext, at=NOW)
    with runtime.sessions() as s, s.begin():
        assert _check(s, ws, keep, NOW + timedelta(minutes=1)).reason == "frequency_cap"
        assert _check(s, ws, gone, NOW + timedelta(minutes=1)).reason == "frequency_cap"


def test_policy_defaults_update_and_validation(session: Session, workspace: Workspace) -> None:
    ws = workspace.id
    assert messaging.get_policy(session, ws) == messaging.SendPolicy()
    saved = messaging.update_policy(session, ws, now=NOW, daily_cap=3, webhook_per_second=7)
    assert messaging.get_policy(session, ws) == saved
    assert (saved.daily_cap, saved.weekly_cap, saved.webhook_per_second) == (3, 5, 7)
    for bad in ({"daily_cap": -1}, {"quiet_end_minute": 1440}, {"email_per_second": 0},
                {"weekly_cap": True}, {"colour": 1}):
        with pytest.raises(SendPolicyInvalid):
            messaging.update_policy(session, ws, now=NOW, **bad)
    assert messaging.get_policy(session, ws) == saved


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(cap=st.integers(1, 3), zone=st.sampled_from(["Asia/Tokyo", "America/Los_Angeles"]),
       quiet=st.booleans(),
       gaps=st.lists(st.integers(0, 9 * 60), min_size=1, max_size=25))
def test_allowed_marketing_sends_never_exceed_the_daily_cap_per_local_day(
    runtime: Runtime, workspace: Workspace, cap: int, zone: str, quiet: bool,
    gaps: list[int],
) -> None:
    ws = workspace.id
    with runtime.sessions() as s, s.begin():
        messaging.update_policy(s, ws, now=NOW, daily_cap=cap, weekly_cap=0,
                                quiet_start_minute=21 * 60 if quiet else 0,
                                quiet_end_minute=8 * 60 if quiet else 0)
        cid = _customer(s, ws, tz=zone)
        at, sent = NOW, []
        for k, gap in enumerate(gaps):
            at += timedelta(minutes=gap)
            decision = _check(s, ws, cid, at)
            if decision.allowed:
                assert messaging.record_send(s, ws, cid, channel="email", purpose="marketing",
                                             idempotency_key=f"prop-{cid}-{k}", now=at)
                sent.append(at)
            else:
                assert decision.defer_until is not None and decision.defer_until > at
    per_day = Counter(t.astimezone(ZoneInfo(zone)).date() for t in sent)
    assert all(n <= cap for n in per_day.values())


def test_concurrent_checks_of_one_customer_cannot_both_pass_the_cap(
    runtime: Runtime, workspace: Workspace
) -> None:
    if not runtime.settings.database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises write transactions itself")
    ws = workspace.id
    with runtime.sessions() as s, s.begin():
        _no_quiet(s, ws, daily_cap=1)
        cid = _customer(s, ws)
    results: list[messaging.SendDecision] = []

    def other_worker() -> None:
        with runtime.sessions() as s2, s2.begin():
            decision = _check(s2, ws, cid)
            results.append(decision)
            if decision.allowed:
                messaging.record_send(s2, ws, cid, channel="email", purpose="marketing",
                                      idempotency_key="race-b", now=NOW)

    with runtime.sessions() as s, s.begin():
        assert _check(s, ws, cid).allowed
        worker = threading.Thread(target=other_worker)
        worker.start()
        worker.join(0.5)
        assert worker.is_alive()  # waiting for this transaction's lock
        messaging.record_send(s, ws, cid, channel="email", purpose="marketing",
                              idempotency_key="race-a", now=NOW)
    worker.join(10)
    assert [d.reason for d in results] == ["frequency_cap"]
