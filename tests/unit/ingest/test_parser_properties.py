"""Property tests: no JSON value crashes the parser, and valid messages round-trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.ingest import parser
from kizuna.ingest.contracts import Message

RECEIVED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = [
    "type", "event", "userId", "anonymousId", "messageId", "previousId", "groupId", "name",
    "category", "timestamp", "originalTimestamp", "sentAt", "properties", "traits", "context",
    "integrations", "channel", "version",
]  # fmt: skip
message_like = st.dictionaries(
    st.sampled_from(FIELDS) | st.text(max_size=8), json_values, max_size=10
) | st.fixed_dictionaries(
    {"type": st.sampled_from(["track", "identify", "page", "screen", "group", "alias"])},
    optional={name: json_values for name in FIELDS if name != "type"},
)


@settings(max_examples=400, deadline=None)
@given(st.lists(message_like | json_values, max_size=5), json_values)
def test_arbitrary_json_gives_messages_or_structured_errors(raws: list[Any], sent_at: Any) -> None:
    messages, errors = parser.parse_messages(raws, received_at=RECEIVED, sent_at=sent_at)
    assert all(isinstance(m, Message) for m in messages)
    for error in errors:
        assert 0 <= error.index < max(len(raws), 1)
        assert error.field and error.message
    bad = {e.index for e in errors if e.field != "sentAt"}
    assert len(messages) + len(bad) == len(raws) or any(e.field == "sentAt" for e in errors)
    for message in messages:
        assert message.timestamp.tzinfo is not None
        assert message.user_id or message.anonymous_id or message.type == "alias"


ids = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() != "")
documents = st.dictionaries(
    st.text(max_size=8).filter(lambda k: "\x00" not in k),
    json_scalars.filter(lambda v: not (isinstance(v, str) and "\x00" in v)),
    max_size=5,
)
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(["track", "identify", "page", "screen", "group", "alias"]),
    message_id=ids,
    user_id=ids,
    anonymous_id=st.none() | ids,
    event=ids,
    properties=documents,
    traits=documents,
    context=documents,
    at=instants,
    skew=st.integers(min_value=-86_400, max_value=86_400),
)
def test_valid_messages_round_trip(
    kind: str,
    message_id: str,
    user_id: str,
    anonymous_id: str | None,
    event: str,
    properties: dict[str, Any],
    traits: dict[str, Any],
    context: dict[str, Any],
    at: datetime,
    skew: int,
) -> None:
    sent_at = at + timedelta(seconds=abs(skew))
    raw: dict[str, Any] = {
        "type": kind,
        "messageId": message_id,
        "userId": user_id,
        "anonymousId": anonymous_id,
        "event": event,
        "previousId": event,
        "groupId": event,
        "properties": properties,
        "traits": traits,
        "context": context,
        "timestamp": at.isoformat(),
        "sentAt": sent_at.isoformat().replace("+00:00", "Z"),
    }
    # Through real JSON, as the HTTP adapter receives it.
    messages, errors = parser.parse_messages(
        [orjson.loads(orjson.dumps(raw))], received_at=RECEIVED
    )
    assert errors == []
    (msg,) = messages
    assert msg.type == kind
    assert (msg.message_id, msg.user_id, msg.anonymous_id) == (message_id, user_id, anonymous_id)
    assert msg.properties == properties and msg.context == context
    assert msg.original_timestamp == at
    assert msg.timestamp == RECEIVED - (sent_at - at)
    if kind == "track":
        assert msg.event == event
    if kind == "alias":
        assert msg.previous_id == event
    if kind == "group":
        assert msg.group_id == event
    if kind in ("identify", "group"):
        assert msg.traits == traits
