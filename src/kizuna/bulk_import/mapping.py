"""Which column feeds which field: defaults per kind, `--map` flags and mapping files."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from kizuna.bulk_import.contracts import ImportKind
from kizuna.bulk_import.errors import MappingInvalid

# target field -> source column names tried in order (compared after `normalise`).
DEFAULTS: dict[ImportKind, dict[str, tuple[str, ...]]] = {
    ImportKind.ORDERS: {
        "order_id": ("order_id", "invoice", "invoice_no", "invoice_id", "order_number",
                     "order", "transaction_id"),
        "customer_id": ("customer_id", "user_id", "customer", "client_id", "member_id"),
        "email": ("email", "customer_email"),
        "date": ("date", "placed_at", "order_date", "invoice_date", "created_at", "timestamp",
                 "purchased_at", "ordered_at"),
        "total": ("total", "amount", "dollar_value", "order_total", "revenue", "line_total",
                  "value"),
        "quantity": ("quantity", "qty", "number_of_cds", "units"),
        "unit_price": ("unit_price", "price", "item_price"),
        "product_id": ("product_id", "sku", "stock_code", "item_id", "product_sku"),
        "name": ("name", "product_name", "description", "item_name", "title"),
        "category": ("category", "product_category"),
        "currency": ("currency", "currency_code"),
        "status": ("status", "order_status"),
        "channel": ("channel",),
    },
    ImportKind.CUSTOMERS: {
        "external_id": ("external_id", "customer_id", "user_id", "id", "member_id"),
        "email": ("email", "email_address", "mail"),
        "phone": ("phone", "phone_number", "tel", "mobile"),
        "first_name": ("first_name", "given_name", "firstname"),
        "last_name": ("last_name", "family_name", "surname"),
        "name": ("name", "full_name"),
        "birthday": ("birthday", "birth_date", "date_of_birth", "dob"),
        "timezone": ("timezone", "time_zone", "tz"),
        "locale": ("locale", "language", "lang"),
        "country": ("country", "country_code"),
        "consent_recorded_at": ("consent_recorded_at", "consent_at", "opt_in_at"),
        "created_at": ("created_at", "signed_up_at", "first_seen_at"),
    },
    ImportKind.EVENTS: {
        "message_id": ("message_id", "event_id"),
        "type": ("type",),
        "event": ("event", "event_name"),
        "name": ("name", "page_name"),
        "user_id": ("user_id", "customer_id"),
        "anonymous_id": ("anonymous_id",),
        "timestamp": ("timestamp", "time", "date", "created_at", "occurred_at"),
    },
}
REQUIRED: dict[ImportKind, tuple[tuple[str, ...], ...]] = {
    # each inner tuple: at least one of these targets must be mapped
    ImportKind.ORDERS: (("customer_id", "email"), ("date",), ("total", "unit_price")),
    ImportKind.CUSTOMERS: (("external_id", "email"),),
    ImportKind.EVENTS: (("user_id", "anonymous_id"),),
}
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise(name: str) -> str:
    """``Invoice No``, ``invoice_no`` and ``InvoiceNo`` compare equal."""
    return _NON_ALNUM.sub("", name.lower())


def parse_map_flags(flags: Iterable[str]) -> dict[str, str]:
    """``["total=Amount", "date=InvoiceDate"]`` -> ``{"total": "Amount", ...}``."""
    result: dict[str, str] = {}
    for flag in flags:
        target, sep, source = flag.partition("=")
        if not sep or not target.strip() or not source.strip():
            raise MappingInvalid(f"--map {flag!r} must look like target=column.", flag=flag)
        result[target.strip()] = source.strip()
    return result


def load_mapping_file(path: Path) -> dict[str, str]:
    """A JSON or TOML file of ``target = "column"`` pairs (optionally under ``[columns]``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingInvalid(f"Cannot read mapping file {path}: {exc}", file=str(path)) from exc
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise MappingInvalid(f"Mapping file {path} is not valid: {exc}", file=str(path)) from exc
    if isinstance(data, dict) and isinstance(data.get("columns"), dict):
        data = data["columns"]
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise MappingInvalid(
            f"Mapping file {path} must map field names to column names, e.g. total = \"Amount\".",
            file=str(path),
        )
    return dict(data)


def check_targets(kind: ImportKind, explicit: Mapping[str, str]) -> None:
    known = DEFAULTS[kind]
    for target in explicit:
        if target not in known:
            raise MappingInvalid(
                f"Unknown field {target!r} for {kind.value}; known fields: "
                f"{', '.join(known)}.", field=target,
            )


def canonical_rows(
    kind: ImportKind, rows: Iterable[Any], explicit: Mapping[str, str]
) -> Iterator[Any]:
    """For NDJSON, whose objects may each have other keys: rename each row's mapped keys to
    the target names (resolved once per distinct key set); other keys keep their names."""
    cache: dict[tuple[str, ...], dict[str, str]] = {}
    targets = set(DEFAULTS[kind])
    for row in rows:
        values = row.values
        if "__error__" not in values:
            keys = tuple(values)
            resolved = cache.get(keys)
            if resolved is None:
                present = {t: s for t, s in explicit.items() if s in values}
                resolved = cache[keys] = resolve(kind, keys, present, strict=False)
            sources = set(resolved.values())
            row.values = {
                **{k: v for k, v in values.items() if k not in sources and k not in targets},
                **{t: values[s] for t, s in resolved.items()},
            }
        yield row


def resolve(
    kind: ImportKind, columns: Iterable[str], explicit: Mapping[str, str], *, strict: bool = True
) -> dict[str, str]:
    """Target field -> actual column name, for the columns this file has.

    Explicit entries win and must name an existing column; defaults fill the rest.
    Raises :class:`MappingInvalid` for unknown targets, missing columns, or when a required
    field has no column.
    """
    known = DEFAULTS[kind]
    columns = list(columns)
    by_norm = {normalise(c): c for c in reversed(columns)}
    result: dict[str, str] = {}
    for target, source in explicit.items():
        if target not in known:
            raise MappingInvalid(
                f"Unknown field {target!r} for {kind.value}; known fields: "
                f"{', '.join(known)}.", field=target,
            )
        actual = source if source in columns else by_norm.get(normalise(source))
        if actual is None:
            raise MappingInvalid(
                f"--map {target}={source}: the file has no column {source!r}; its columns are "
                f"{', '.join(columns) or '(none)'}.", field=target, column=source,
            )
        result[target] = actual
    taken = set(result.values())
    for target, candidates in known.items():
        if target in result:
            continue
        for candidate in candidates:
            actual = by_norm.get(normalise(candidate))
            if actual is not None and actual not in taken:
                result[target] = actual
                taken.add(actual)
                break
    for group in REQUIRED[kind] if strict else ():
        if not any(t in result for t in group):
            raise MappingInvalid(
                f"No column for {' or '.join(group)} in a {kind.value} file with columns "
                f"{', '.join(columns) or '(none)'}; name it with --map {group[0]}=COLUMN.",
                field=group[0],
            )
    return result
