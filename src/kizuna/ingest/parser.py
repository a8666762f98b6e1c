"""Parse and validate Segment-spec messages. Pure: no I/O, no database, no clock.

The rules follow Segment's HTTP tracking API:

* ``type`` is one of track, identify, page, screen, group, alias (single-message endpoints
  force it; batch items must carry it).
* ``messageId`` is a string (a number is accepted and turned into one); when missing, a
  uuid4 is generated, as Segment does.
* ``userId`` / ``anonymousId`` are strings or numbers (numbers become strings); explicit
  ``null`` is allowed, but at least one must be present. ``alias`` needs ``userId`` and
  ``previousId``; ``group`` needs ``groupId``; ``track`` needs a non-empty ``event``.
* ``timestamp`` / ``originalTimestamp`` / ``sentAt`` are ISO-8601 (``Z``, offsets; naive
  means UTC). The client's time is ``originalTimestamp``, else ``timestamp``. With a
  ``sentAt`` (the message's, else the batch's), the stored timestamp is corrected for clock
  skew: ``receivedAt - (sentAt - client time)``. With no client time: ``receivedAt``.
* ``properties`` / ``traits`` / ``context`` / ``integrations`` must be objects when present.
  Identify traits come from ``traits`` or ``context.traits`` (top-level wins per key).

Problems are collected, not raised, as :class:`FieldError` (index, field, message), so one
response can name every bad message of a batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from kizuna.ingest.contracts import FieldError, Message
from kizuna.ingest.errors import EventTooLarge, JsonMalformed

MESSAGE_TYPES = frozenset({"track", "identify", "page", "screen", "group", "alias"})
MAX_ID_LENGTH = 200  # events.message_id / user_id / … are VARCHAR(200)
MAX_CHANNEL_LENGTH = 32
_OBJECT_FIELDS = ("properties", "context", "integrations")
_NUL = "\x00"


def loads(body: bytes | str) -> Any:
    """Decode a JSON body; raises :class:`JsonMalformed` naming the position of the error."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise JsonMalformed(
            f"The request body is not valid JSON: {exc.msg} at line {exc.lineno}, "
            f"column {exc.colno} (character {exc.pos}).",
            line=exc.lineno,
            column=exc.colno,
            position=exc.pos,
        ) from exc


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 string as an aware UTC datetime (naive means UTC); ``None`` if unusable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return None


def _has_nul(value: Any) -> bool:
    """Whether a JSON value holds U+0000 anywhere (PostgreSQL cannot store it)."""
    if isinstance(value, str):
        return _NUL in value
    if isinstance(value, dict):
        return any(_NUL in k or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class _Checker:
    """Collects the problems of one message."""

    __slots__ = ("errors", "index")

    def __init__(self, index: int, errors: list[FieldError]) -> None:
        self.index = index
        self.errors = errors

    def fail(self, field: str, message: str) -> None:
        self.errors.append(FieldError(index=self.index, field=field, message=message))

    def identifier(self, raw: dict[str, Any], field: str) -> str | None:
        """A Segment id: a string or a number (turned into a string); null/"" is absent."""
        value = raw.get(field)
        if value is None:
            return None
        if isinstance(value, str):
            text = value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            text = (
                str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
            )
        else:
            self.fail(field, f"must be a string or a number, not {_json_type(value)}")
            return None
        if not text.strip():
            return None
        if len(text) > MAX_ID_LENGTH:
            self.fail(field, f"is {len(text)} characters long; the limit is {MAX_ID_LENGTH}")
            return None
        if _NUL in text:
            self.fail(field, "contains the NUL character (U+0000)")
            return None
        return text

    def text(self, raw: dict[str, Any], field: str, *, limit: int = MAX_ID_LENGTH) -> str | None:
        value = raw.get(field)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(field, f"must be a string, not {_json_type(value)}")
            return None
        if len(value) > limit:
            self.fail(field, f"is {len(value)} characters long; the limit is {limit}")
            return None
        if _NUL in value:
            self.fail(field, "contains the NUL character (U+0000)")
            return None
        return value

    def obj(self, raw: dict[str, Any], field: str, *, check_nul: bool) -> dict[str, Any] | None:
        value = raw.get(field)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.fail(field, f"must be a JSON object, not {_json_type(value)}")
            return None
        if check_nul and _has_nul(value):
            self.fail(field, "contains the NUL character (U+0000), which cannot be stored")
            return None
        return value

    def time(self, raw: dict[str, Any], field: str) -> datetime | None:
        value = raw.get(field)
        if value is None:
            return None
        parsed = parse_time(value)
        if parsed is None:
            shown = repr(value) if isinstance(value, str) else _json_type(value)
            self.fail(
                field,
                f"must be an ISO-8601 date-time such as 2024-05-01T12:00:00Z, not {shown[:80]}",
            )
        return parsed


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def parse_message(
    raw: Any,
    *,
    index: int,
    received_at: datetime,
    errors: list[FieldError],
    batch_sent_at: datetime | None = None,
    forced_type: str | None = None,
    check_nul: bool = True,
) -> Message | None:
    """Validate one message. Appends problems to ``errors`` and returns ``None`` if any."""
    check = _Checker(index, errors)
    if not isinstance(raw, dict):
        check.fail("message", f"must be a JSON object, not {_json_type(raw)}")
        return None
    before = len(errors)

    kind = forced_type
    if kind is None:
        raw_type = raw.get("type")
        if raw_type is None:
            check.fail("type", "is required: one of " + ", ".join(sorted(MESSAGE_TYPES)))
        elif not isinstance(raw_type, str) or raw_type.lower() not in MESSAGE_TYPES:
            shown = repr(raw_type)[:40]
            check.fail("type", f"is {shown}; expected one of " + ", ".join(sorted(MESSAGE_TYPES)))
        else:
            kind = raw_type.lower()

    message_id = check.identifier(raw, "messageId") or str(uuid.uuid4())
    user_id = check.identifier(raw, "userId")
    anonymous_id = check.identifier(raw, "anonymousId")

    properties = check.obj(raw, "properties", check_nul=check_nul)
    context = check.obj(raw, "context", check_nul=check_nul)
    integrations = check.obj(raw, "integrations", check_nul=check_nul)
    top_traits = check.obj(raw, "traits", check_nul=check_nul)

    event = name = category = previous_id = group_id = None
    traits: dict[str, Any] | None = None
    if kind == "track":
        event = check.text(raw, "event")
        if (event is None or not event.strip()) and not any(
            e.field == "event" for e in errors[before:]
        ):
            check.fail("event", "is required for track calls (the name of the action)")
    elif kind in ("page", "screen"):
        name = check.text(raw, "name")
        category = check.text(raw, "category")
    elif kind == "alias":
        previous_id = check.identifier(raw, "previousId")
        if previous_id is None and not any(e.field == "previousId" for e in errors[before:]):
            check.fail("previousId", "is required for alias calls (the id being merged)")
        if user_id is None and not any(e.field == "userId" for e in errors[before:]):
            check.fail("userId", "is required for alias calls (the id to merge into)")
    elif kind == "group":
        group_id = check.identifier(raw, "groupId")
        if group_id is None and not any(e.field == "groupId" for e in errors[before:]):
            check.fail("groupId", "is required for group calls")

    if kind in ("identify", "group"):
        context_traits = context.get("traits") if context else None
        if context_traits is not None and not isinstance(context_traits, dict):
            check.fail("context.traits", f"must be a JSON object, not {_json_type(context_traits)}")
            context_traits = None
        if kind == "identify" and context_traits:
            traits = {**context_traits, **(top_traits or {})}
        else:
            traits = top_traits
    elif top_traits is not None:
        traits = top_traits

    if (
        kind != "alias"
        and user_id is None
        and anonymous_id is None
        and not any(e.field in ("userId", "anonymousId") for e in errors[before:])
    ):
        check.fail("userId", "userId or anonymousId is required")

    original = check.time(raw, "originalTimestamp")
    client_time = check.time(raw, "timestamp")
    sent_at = check.time(raw, "sentAt")
    channel_raw = raw.get("channel")
    channel = channel_raw[:MAX_CHANNEL_LENGTH] if isinstance(channel_raw, str) else None
    if channel is not None and _NUL in channel:
        channel = None
    version_raw = raw.get("version")
    version = (
        None if version_raw is None or isinstance(version_raw, dict | list) else str(version_raw)
    )
    if version is not None and _NUL in version:
        version = None

    if len(errors) > before or kind is None:
        return None

    original = original or client_time
    effective_sent_at = sent_at or batch_sent_at
    timestamp = received_at
    if original is not None:
        timestamp = original
        if effective_sent_at is not None:
            try:
                timestamp = received_at - (effective_sent_at - original)
            except OverflowError:
                check.fail("sentAt", "is too far from the message's timestamp")
                return None

    return Message(
        type=kind,
        message_id=message_id,
        user_id=user_id,
        anonymous_id=anonymous_id,
        timestamp=timestamp,
        received_at=received_at,
        original_timestamp=original,
        sent_at=effective_sent_at,
        event=event,
        name=name,
        category=category,
        previous_id=previous_id,
        group_id=group_id,
        properties=properties,
        traits=traits,
        context=context,
        integrations=integrations,
        channel=channel,
        version=version,
    )


def parse_messages(
    raws: Sequence[Any],
    *,
    received_at: datetime,
    sent_at: Any = None,
    forced_type: str | None = None,
    max_event_bytes: int | None = None,
    check_nul: bool = True,
) -> tuple[list[Message], list[FieldError]]:
    """Validate every message of a request. Returns the messages and all the problems found.

    ``sent_at`` is the batch-level ``sentAt`` (applies to messages without their own).
    ``max_event_bytes``: raise :class:`EventTooLarge` for the first message whose JSON is
    larger (``None`` skips the check, e.g. when the whole body is already smaller).
    """
    errors: list[FieldError] = []
    batch_sent_at: datetime | None = None
    if sent_at is not None:
        batch_sent_at = parse_time(sent_at)
        if batch_sent_at is None:
            errors.append(
                FieldError(index=0, field="sentAt", message="must be an ISO-8601 date-time")
            )
    if max_event_bytes is not None:
        for i, raw in enumerate(raws):
            size = len(orjson.dumps(raw, option=orjson.OPT_NON_STR_KEYS))
            if size > max_event_bytes:
                raise EventTooLarge(
                    f"Message {i} is {size} bytes; the limit is {max_event_bytes} bytes per "
                    "message. Nothing in this request was stored.",
                    index=i,
                    size=size,
                    limit=max_event_bytes,
                )
    messages: list[Message] = []
    for i, raw in enumerate(raws):
        msg = parse_message(
            raw,
            index=i,
            received_at=received_at,
            errors=errors,
            batch_sent_at=batch_sent_at,
            forced_type=forced_type,
            check_nul=check_nul,
        )
        if msg is not None:
            messages.append(msg)
    return messages, errors
