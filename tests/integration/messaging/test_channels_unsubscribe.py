"""Unsubscribe tokens and consent withdrawal on real databases, including merged profiles;
building the email channel from settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kizuna.errors import ConfigurationInvalid
from kizuna.messaging import api as messaging
from kizuna.messaging.errors import LinkInvalid
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.settings import load_settings
from kizuna.workspaces.contracts import Workspace

NOW = datetime(2026, 11, 1, tzinfo=UTC)
SECRET = "unit-secret-0123456789abcdef"


def test_a_merged_away_profile_unsubscribes_the_survivor_once(
    runtime: Runtime, workspace: Workspace
) -> None:
    with runtime.sessions() as s, s.begin():
        keep, gone = profiles.upsert_customers(s, workspace.id, [
            CustomerUpsert(external_id="u-keep", email="k@example.com"),
            CustomerUpsert(external_id="u-gone", email="g@example.com")], NOW - timedelta(1))
        token = messaging.unsubscribe_token(SECRET, messaging.UnsubscribeScope(
            workspace_id=workspace.id, customer_id=gone, channel="email", purpose="marketing"))
        profiles.alias(s, workspace.id, previous_id="u-gone", user_id="u-keep", at=NOW)
    scope = messaging.read_unsubscribe_token(SECRET, token)
    with runtime.sessions() as s, s.begin():
        assert not messaging.is_unsubscribed(s, scope)
        assert messaging.unsubscribe(s, scope, now=NOW) is True
    with runtime.sessions() as s, s.begin():
        assert messaging.unsubscribe(s, scope, now=NOW + timedelta(1)) is False
        [consent] = profiles.list_consents(s, workspace.id, keep)
    assert (consent.channel, consent.purpose, consent.status, consent.method) == (
        "email", "marketing", "withdrawn", "unsubscribe-link")


@given(st.integers(1, 2**31), st.integers(1, 2**31), st.sampled_from(["email", "sms"]),
       st.text(min_size=1, max_size=30), st.integers(0, 60))
def test_tokens_round_trip_and_any_altered_character_is_refused(
    ws: int, cid: int, channel: str, purpose: str, position: int
) -> None:
    scope = messaging.UnsubscribeScope(workspace_id=ws, customer_id=cid, channel=channel,
                                       purpose=purpose)
    token = messaging.unsubscribe_token(SECRET, scope)
    assert messaging.read_unsubscribe_token(SECRET, token) == scope
    i = position % len(token)
    altered = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]
    try:
        decoded = messaging.read_unsubscribe_token(SECRET, altered)
    except LinkInvalid:
        return
    # base64 padding bits can absorb a change without changing the payload
    assert decoded == scope
    with pytest.raises(LinkInvalid):
        messaging.read_unsubscribe_token("another-secret-0123456789", token)


def test_email_channel_from_settings(tmp_path: Path) -> None:
    assert messaging.email_channel(load_settings(smtp_url=None)) is None
    key = tmp_path / "dkim.pem"
    key.write_bytes(b"-----BEGIN RSA PRIVATE KEY-----\n")
    channel = messaging.email_channel(load_settings(
        smtp_url="smtp://u:p@mail.example.com:587?starttls=1", email_from="news@shop.example",
        public_base_url="https://shop.example", dkim_domain="shop.example",
        dkim_private_key_file=str(key), unsubscribe_mailto="u@shop.example"))
    assert channel is not None and channel.target.starttls and channel.target.username == "u"
    assert channel.dkim_key is not None and channel.dkim_key.selector == "kizuna"
    assert channel.links is not None and channel.links.base_url == "https://shop.example"
    assert channel.message_domain == "shop.example"
    for broken in ({"dkim_private_key_file": None},
                   {"dkim_private_key_file": str(tmp_path / "missing.pem")}):
        with pytest.raises(ConfigurationInvalid):
            messaging.email_channel(load_settings(
                smtp_url="smtp://127.0.0.1:25", dkim_domain="shop.example", **broken))
