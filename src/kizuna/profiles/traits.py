"""Mapping of well-known Segment identify traits onto profile columns (pure functions)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

# trait name (as Segment's spec and common SDKs spell it) -> column
_SIMPLE = {
    "email": "email",
    "phone": "phone",
    "firstName": "first_name",
    "first_name": "first_name",
    "lastName": "last_name",
    "last_name": "last_name",
    "name": "name",
    "timezone": "timezone",
    "time_zone": "timezone",
    "locale": "locale",
    "language": "locale",
    "country": "country",
}
_LIMITS = {"email": 320, "phone": 64, "first_name": 200, "last_name": 200, "name": 400,
           "timezone": 64, "locale": 16, "country": 64}


def parse_birthday(value: Any) -> date | None:
    """Accept ``YYYY-MM-DD`` or an ISO datetime; anything else is ignored (kept as a trait)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def columns_from_traits(traits: Mapping[str, Any]) -> dict[str, Any]:
    """The profile columns a set of traits sets. Only string values are taken."""
    columns: dict[str, Any] = {}
    for trait, column in _SIMPLE.items():
        value = traits.get(trait)
        if isinstance(value, str) and value.strip():
            cleaned = value.strip()
            if column == "email":
                cleaned = cleaned.lower()
            columns[column] = cleaned[: _LIMITS[column]]
    address = traits.get("address")
    if "country" not in columns and isinstance(address, Mapping):
        country = address.get("country")
        if isinstance(country, str) and country.strip():
            columns["country"] = country.strip()[:64]
    if "birthday" in traits:
        birthday = parse_birthday(traits["birthday"])
        if birthday is not None:
            columns["birthday"] = birthday
    return columns
