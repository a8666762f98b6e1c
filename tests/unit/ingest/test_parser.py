from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kizuna.ingest import parser
from kizuna.ingest.contracts import FieldError, Message
from kizuna.ingest.errors import EventTooLarge, JsonMalformed

RECEIVED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def parse_one(raw: object, **kwargs: object) -> tuple[Message | None, list[FieldError]]:
    messages, errors = parser.parse_messages([raw], received_at=RECEIVED, **kwargs)  # type: ignore[arg-type]
    return (messages[0] if messages else None), errors


def fields(errors: list[FieldError]) -> list[tuple[int, str]]:
    return [(e.index, e.field) for e in errors]


def test_track_with_all_fields() -> None:
    msg, errors = parse_one(
        {
            "type": "track",
            "event": "Signed Up",
            "userId": "u1",
            "anonymousId": "a1",
            "messageId": "m1",
            "properties": {"plan": "pro"},
            "context": {"ip": "1.2.3.4"},
            "integrations": {"All": True},
            "channel": "server",
            "version": 2,
        }
    )
    assert errors == []
    assert msg is not None
    assert (msg.type, msg.event, msg.user_id, msg.anonymous_id, msg.message_id) == (
        "track",
        "Signed Up",
        "u1",
        "a1",
        "m1",
    )
    assert msg.properties == {"plan": "pro"}
    assert msg.context == {"ip": "1.2.3.4"}
    assert msg.integrations == {"All": True}
    assert (msg.channel, msg.version) == ("server", "2")
    assert msg.timestamp == RECEIVED  # no client time: receivedAt
    assert msg.received_at == RECEIVED


def test_missing_message_id_is_generated_and_numbers_become_strings() -> None:
    msg, errors = parse_one({"type": "page", "userId": 42, "anonymousId": 7.0})
    assert errors == []
    assert msg is not None
    assert len(msg.message_id) == 36
    assert (msg.user_id, msg.anonymous_id) == ("42", "7")


def test_explicit_null_ids_are_allowed_when_one_is_present() -> None:
    msg, errors = parse_one({"type": "page", "userId": None, "anonymousId": "a"})
    assert errors == [] and msg is not None and msg.user_id is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"type": "track", "event": "x"}, [(0, "userId")]),
        ({"type": "track", "userId": "u"}, [(0, "event")]),
        ({"type": "track", "userId": "u", "event": "  "}, [(0, "event")]),
        ({"type": "track", "userId": "u", "event": 5}, [(0, "event")]),
        ({"type": "track", "userId": True, "event": "x"}, [(0, "userId")]),
        ({"type": "track", "userId": "u", "event": "x", "properties": []}, [(0, "properties")]),
        ({"type": "identify", "userId": "u", "traits": "no"}, [(0, "traits")]),
        ({"type": "identify", "userId": "u", "context": 3}, [(0, "context")]),
        ({"type": "identify", "userId": "u", "context": {"traits": []}}, [(0, "context.traits")]),
        ({"type": "page", "userId": "u", "integrations": "x"}, [(0, "integrations")]),
        ({"type": "alias", "userId": "u"}, [(0, "previousId")]),
        ({"type": "alias", "previousId": "p"}, [(0, "userId")]),
        ({"type": "group", "userId": "u"}, [(0, "groupId")]),
        ({"type": "nope", "userId": "u"}, [(0, "type")]),
        ({"userId": "u"}, [(0, "type")]),
        ({"type": "page", "userId": "u", "timestamp": "yesterday"}, [(0, "timestamp")]),
        ({"type": "page", "userId": "u", "sentAt": 5}, [(0, "sentAt")]),
        ({"type": "page", "userId": "u", "messageId": ["x"]}, [(0, "messageId")]),
        ({"type": "page", "userId": "u" * 201}, [(0, "userId")]),
        ({"type": "page", "userId": "u\x00"}, [(0, "userId")]),
        ({"type": "page", "userId": "u", "properties": {"a\x00": 1}}, [(0, "properties")]),
        ([1, 2], [(0, "message")]),
    ],
)
def test_invalid_messages_name_index_and_field(
    raw: object, expected: list[tuple[int, str]]
) -> None:
    msg, errors = parse_one(raw)
    assert msg is None
    assert fields(errors) == expected
    assert all(e.message for e in errors)


def test_errors_of_a_batch_carry_each_index() -> None:
    messages, errors = parser.parse_messages(
        [
            {"type": "track", "userId": "u", "event": "ok"},
            {"type": "track", "userId": "u"},
            {"type": "page"},
        ],
        received_at=RECEIVED,
    )
    assert len(messages) == 1
    assert fields(errors) == [(1, "event"), (2, "userId")]


def test_forced_type_overrides_the_body() -> None:
    msg, errors = parse_one({"type": "page", "userId": "u", "event": "E"}, forced_type="track")
    assert errors == [] and msg is not None and msg.type == "track" and msg.event == "E"


def test_identify_traits_from_context_traits_and_top_level_wins() -> None:
    msg, _ = parse_one(
        {
            "type": "identify",
            "userId": "u",
            "traits": {"plan": "pro"},
            "context": {"traits": {"email": "a@b.c", "plan": "free"}},
        }
    )
    assert msg is not None
    assert msg.traits == {"email": "a@b.c", "plan": "pro"}


def test_traits_only_in_context_as_rudderstack_sends_them() -> None:
    msg, _ = parse_one({"type": "identify", "userId": "u", "context": {"traits": {"x": 1}}})
    assert msg is not None and msg.traits == {"x": 1}


def test_clock_skew_is_corrected_from_sent_at() -> None:
    # The client's clock runs 1 hour fast; it sent the event 5 minutes after it happened.
    msg, _ = parse_one(
        {
            "type": "track",
            "userId": "u",
            "event": "x",
            "timestamp": "2024-05-01T12:55:00+00:00",
            "sentAt": "2024-05-01T13:00:00Z",
        }
    )
    assert msg is not None
    assert msg.timestamp == RECEIVED - timedelta(minutes=5)
    assert msg.original_timestamp == datetime(2024, 5, 1, 12, 55, tzinfo=UTC)
    assert msg.sent_at == datetime(2024, 5, 1, 13, 0, tzinfo=UTC)


def test_batch_sent_at_applies_to_messages_without_their_own() -> None:
    messages, errors = parser.parse_messages(
        [
            {"type": "page", "userId": "u", "originalTimestamp": "2024-05-01T09:00:00"},
            {
                "type": "page",
                "userId": "u",
                "originalTimestamp": "2024-05-01T09:00:00",
                "sentAt": "2024-05-01T09:00:00",
            },
        ],
        received_at=RECEIVED,
        sent_at="2024-05-01T10:00:00Z",
    )
    assert errors == []
    assert messages[0].timestamp == RECEIVED - timedelta(hours=1)
    assert messages[1].timestamp == RECEIVED


def test_timestamp_without_sent_at_is_kept_and_offsets_become_utc() -> None:
    msg, _ = parse_one({"type": "page", "userId": "u", "timestamp": "2020-01-01T09:00:00+09:00"})
    assert msg is not None
    assert msg.timestamp == datetime(2020, 1, 1, 0, 0, tzinfo=UTC)
    assert msg.timestamp.tzinfo is UTC


def test_event_size_limit_raises_with_index() -> None:
    big = {"type": "track", "userId": "u", "event": "x", "properties": {"p": "x" * 40_000}}
    with pytest.raises(EventTooLarge) as info:
        parser.parse_messages(
            [{"type": "page", "userId": "u"}, big], received_at=RECEIVED, max_event_bytes=32_768
        )
    assert info.value.fields["index"] == 1
    assert info.value.status == 413


def test_loads_names_the_position_of_malformed_json() -> None:
    with pytest.raises(JsonMalformed) as info:
        parser.loads(b'{"batch": [}')
    assert info.value.fields["position"] == 11
    assert "column 12" in str(info.value)
