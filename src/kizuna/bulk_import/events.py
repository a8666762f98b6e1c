"""Rows -> Segment-spec messages for ``ingest.api.ingest_messages``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kizuna.bulk_import.orders import RowRejected
from kizuna.bulk_import.readers import dumps
from kizuna.bulk_import.values import DateParser, blank
from kizuna.ids import stable_digest

_TYPES = {"track", "identify", "page", "screen", "group", "alias"}
_SPEC_KEYS = {"properties", "traits", "context", "integrations", "previousId", "groupId",
              "category", "channel", "sentAt", "originalTimestamp", "receivedAt", "writeKey"}
_NESTED = ("properties.", "traits.", "context.")


class EventRowParser:
    def __init__(self, columns: Mapping[str, str], parse_date: DateParser) -> None:
        self.c = columns
        self.parse_date = parse_date
        self.mapped = set(columns.values())
        self._occurrences: dict[str, int] = {}

    def _get(self, values: Mapping[str, Any], target: str) -> Any:
        column = self.c.get(target)
        if column is None or blank(values.get(column)):
            return None
        value = values[column]
        return value.strip() if isinstance(value, str) else value

    def parse(self, values: Mapping[str, Any]) -> dict[str, Any]:
        kind = str(self._get(values, "type") or "track").lower()
        if kind not in _TYPES:
            raise RowRejected(f"type {kind!r} is not one of {', '.join(sorted(_TYPES))}")
        user_id = self._get(values, "user_id")
        anonymous_id = self._get(values, "anonymous_id")
        if user_id is None and anonymous_id is None:
            raise RowRejected("no userId and no anonymousId")
        message: dict[str, Any] = {"type": kind}
        if user_id is not None:
            message["userId"] = str(user_id)
        if anonymous_id is not None:
            message["anonymousId"] = str(anonymous_id)
        event = self._get(values, "event")
        if kind == "track":
            if event is None:
                raise RowRejected("a track event needs an event name")
            message["event"] = str(event)
        name = self._get(values, "name")
        if name is not None and kind in {"page", "screen"}:
            message["name"] = str(name)
        stamp = self._get(values, "timestamp")
        if stamp is not None:
            try:
                message["timestamp"] = self.parse_date(stamp).isoformat()
            except ValueError as exc:
                raise RowRejected(str(exc)) from None
        bag_name = "traits" if kind == "identify" else "properties"
        bags: dict[str, dict[str, Any]] = {}
        for key, value in values.items():
            if key in self.mapped or key == "__error__":
                continue
            if key in _SPEC_KEYS:
                if isinstance(value, dict):
                    bags.setdefault(key, {}).update(value)
                elif not blank(value):
                    message[key] = value
                continue
            if key.startswith(_NESTED):
                head, _, rest = key.partition(".")
                if not blank(value):
                    bags.setdefault(head, {})[rest] = value
                continue
            if not blank(value):
                bags.setdefault(bag_name, {})[key] = value
        message.update(bags)
        message_id = self._get(values, "message_id")
        if message_id is None:
            key = stable_digest(dumps(message))
            seen = self._occurrences.get(key, 0)
            self._occurrences[key] = seen + 1
            message_id = "imp-" + stable_digest(key, seen)
        message["messageId"] = str(message_id)
        return message
