"""Rows -> customer upserts, extra columns as traits, and consent columns."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kizuna.bulk_import.orders import RowRejected
from kizuna.bulk_import.values import DateParser, blank, parse_bool, parse_date_only
from kizuna.profiles.contracts import CustomerUpsert

# `email_opt_in`, `sms_opt_in`, `push_consent`, `marketing_email_opt_in` ...
_CONSENT = re.compile(r"^(?:marketing_)?(email|sms|push|in_app|webhook)_(?:opt_?in|consent)$")
_PLAIN = ("email", "phone", "first_name", "last_name", "name", "timezone", "locale", "country")


@dataclass(frozen=True, slots=True)
class ConsentDraft:
    channel: str
    granted: bool
    at: datetime | None


class CustomerRowParser:
    def __init__(self, columns: Mapping[str, str], all_columns: tuple[str, ...],
                 parse_date: DateParser) -> None:
        self.c = columns
        self.parse_date = parse_date
        self._layouts: dict[tuple[str, ...], tuple[dict[str, str], list[str]]] = {}
        if all_columns:
            self._layout(all_columns)

    def _layout(self, keys: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
        """(consent column -> channel, trait columns) for rows with these keys."""
        layout = self._layouts.get(keys)
        if layout is None:
            consent = {col: m.group(1) for col in keys if (m := _CONSENT.match(col.lower()))}
            mapped = set(self.c.values()) | set(consent) | {"__error__"}
            layout = self._layouts[keys] = (consent, [k for k in keys if k not in mapped])
        return layout

    def _get(self, values: Mapping[str, Any], target: str) -> str | None:
        column = self.c.get(target)
        if column is None or blank(values.get(column)):
            return None
        return str(values[column]).strip()

    def parse(self, values: Mapping[str, Any]) -> tuple[CustomerUpsert, list[ConsentDraft]]:
        fields: dict[str, Any] = {t: self._get(values, t) for t in _PLAIN}
        external_id = self._get(values, "external_id")
        if external_id is None and fields["email"] is None:
            raise RowRejected("no external id and no email: cannot identify the customer")
        if fields["email"] is not None:
            email = str(fields["email"]).lower()
            if "@" not in email or len(email) > 320:
                raise RowRejected(f"email {fields['email']!r} is not an email address")
            fields["email"] = email
        if external_id is not None and len(external_id) > 200:
            raise RowRejected("external id longer than 200 characters")
        birthday_text = self._get(values, "birthday")
        birthday = None
        if birthday_text is not None:
            try:
                birthday = parse_date_only(birthday_text)
            except ValueError as exc:
                raise RowRejected(str(exc)) from None
        seen_at = None
        created = self._get(values, "created_at")
        if created is not None:
            try:
                seen_at = self.parse_date(created)
            except ValueError as exc:
                raise RowRejected(f"created_at: {exc}") from None
        consent_columns, trait_columns = self._layout(tuple(values))
        traits = {col: values[col] for col in trait_columns if not blank(values[col])}
        consents: list[ConsentDraft] = []
        if consent_columns:
            at_text = self._get(values, "consent_recorded_at")
            try:
                at = self.parse_date(at_text) if at_text else None
            except ValueError as exc:
                raise RowRejected(f"consent_recorded_at: {exc}") from None
            for col, channel in consent_columns.items():
                if blank(values.get(col)):
                    continue
                try:
                    consents.append(ConsentDraft(channel, parse_bool(values[col]), at))
                except ValueError as exc:
                    raise RowRejected(f"{col}: {exc}") from None
        upsert = CustomerUpsert(
            external_id=external_id, birthday=birthday, traits=traits, seen_at=seen_at,
            **fields,
        )
        return upsert, consents
