from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kizuna.bulk_import.contracts import FileFormat, ImportKind
from kizuna.bulk_import.errors import ImportFileUnreadable, MappingInvalid
from kizuna.bulk_import.mapping import load_mapping_file, parse_map_flags, resolve
from kizuna.bulk_import.orders import OrderRowParser, RowRejected
from kizuna.bulk_import.readers import RowReader
from kizuna.bulk_import.values import make_date_parser, parse_decimal

TOKYO = ZoneInfo("Asia/Tokyo")


def rows_of(path: Path, **kw: object) -> list[tuple[int, dict[str, object]]]:
    with RowReader(path, **kw) as reader:  # type: ignore[arg-type]
        return [(r.line, r.values) for r in reader]


def test_csv_rows_keep_their_line_numbers_across_quoted_newlines(tmp_path: Path) -> None:
    f = tmp_path / "o.csv"
    f.write_text('id,note\n1,"two\nlines"\n\n2,plain\n', encoding="utf-8")
    assert rows_of(f) == [(2, {"id": "1", "note": "two\nlines"}), (5, {"id": "2", "note": "plain"})]


def test_gzip_is_detected_by_magic_bytes_not_extension(tmp_path: Path) -> None:
    f = tmp_path / "orders.csv"  # no .gz suffix
    f.write_bytes(gzip.compress(b"a,b\n1,2\n"))
    assert rows_of(f) == [(2, {"a": "1", "b": "2"})]


def test_ndjson_detected_from_content_and_bad_lines_flagged(tmp_path: Path) -> None:
    f = tmp_path / "events.txt.gz"
    f.write_bytes(gzip.compress(b'{"a": 1}\n\nnot json\n[1]\n{"a": {"b": 2}}\n'))
    got = rows_of(f)
    assert got[0] == (1, {"a": 1})
    assert got[1][0] == 3 and "invalid JSON" in str(got[1][1]["__error__"])
    assert got[2][0] == 4 and got[2][1]["__error__"] == "not a JSON object"
    assert got[3] == (5, {"a": {"b": 2}})


def test_cdnow_format_splits_whitespace_and_skips_its_header(tmp_path: Path) -> None:
    f = tmp_path / "cd.txt"
    f.write_bytes(b" customer_id  date number_of_cds  dollar_value\r\n"
                  b" 00001 19970101  1   11.77\r\n")
    assert rows_of(f, file_format=FileFormat.CDNOW) == [
        (2, {"customer_id": "00001", "date": "19970101", "number_of_cds": "1",
             "dollar_value": "11.77"})
    ]


def test_no_header_with_names_and_width_mismatch(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("1;2\n3\n", encoding="utf-8")
    got = rows_of(f, header=False, names=("a", "b"), delimiter=";")
    assert got[0] == (1, {"a": "1", "b": "2"})
    assert got[1][1]["__error__"] == "expected 2 columns, found 1"


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ImportFileUnreadable, match="does not exist"):
        RowReader(tmp_path / "nope.csv")


def test_mapping_defaults_flags_and_errors() -> None:
    cols = ["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"]
    got = resolve(ImportKind.ORDERS, cols, {"order_id": "InvoiceNo"})
    assert got["order_id"] == "InvoiceNo" and got["customer_id"] == "CustomerID"
    assert got["product_id"] == "StockCode" and got["unit_price"] == "UnitPrice"
    assert got["date"] == "InvoiceDate" and "total" not in got
    with pytest.raises(MappingInvalid, match="no column 'Amt'"):
        resolve(ImportKind.ORDERS, cols, {"total": "Amt"})
    with pytest.raises(MappingInvalid, match="Unknown field 'bogus'"):
        resolve(ImportKind.ORDERS, cols, {"bogus": "Quantity"})
    with pytest.raises(MappingInvalid, match="No column for date"):
        resolve(ImportKind.ORDERS, ["customer_id", "total"], {})
    assert parse_map_flags(["total=Amount", " date = When "]) == {"total": "Amount", "date": "When"}
    with pytest.raises(MappingInvalid):
        parse_map_flags(["total"])


def test_mapping_files_json_and_toml(tmp_path: Path) -> None:
    j = tmp_path / "m.json"
    j.write_text(json.dumps({"total": "Amount"}), encoding="utf-8")
    t = tmp_path / "m.toml"
    t.write_text('[columns]\ntotal = "Amount"\ndate = "When"\n', encoding="utf-8")
    assert load_mapping_file(j) == {"total": "Amount"}
    assert load_mapping_file(t) == {"total": "Amount", "date": "When"}
    bad = tmp_path / "bad.toml"
    bad.write_text("total = 3\n", encoding="utf-8")
    with pytest.raises(MappingInvalid):
        load_mapping_file(bad)


def test_dates_naive_in_workspace_zone_stored_utc() -> None:
    parse = make_date_parser(None, TOKYO)
    assert parse("2024-01-02") == datetime(2024, 1, 1, 15, tzinfo=UTC)
    assert parse("19970101") == datetime(1996, 12, 31, 15, tzinfo=UTC)
    assert parse("2024-01-02T00:00:00Z") == datetime(2024, 1, 2, tzinfo=UTC)
    assert parse("12/1/2010 8:26") == datetime(2010, 11, 30, 23, 26, tzinfo=UTC)
    custom = make_date_parser("%d.%m.%y", ZoneInfo("UTC"))
    assert custom("03.02.24") == datetime(2024, 2, 3, tzinfo=UTC)
    with pytest.raises(ValueError, match="--date-format"):
        custom("2024-02-03")
    assert parse_decimal("¥1,200") == Decimal(1200)
    with pytest.raises(ValueError):
        parse_decimal("abc")


def _parser(**cols: str) -> OrderRowParser:
    return OrderRowParser(cols, make_date_parser(None, TOKYO), None)


def test_total_vs_quantity_times_price_and_returns() -> None:
    p = _parser(order_id="o", customer_id="c", date="d", quantity="q", unit_price="p",
                total="t")
    draft, line = p.parse({"o": "1", "c": "a", "d": "2024-01-01", "q": "3", "p": "2.50", "t": ""})
    assert line.amount == Decimal("7.50") and line.quantity == 3
    draft, line = p.parse({"o": "2", "c": "a", "d": "2024-01-01", "q": "2", "p": "", "t": "9"})
    assert line.amount == 9 and line.unit_price == Decimal("4.50")
    draft, line = p.parse({"o": "3", "c": "a", "d": "2024-01-01", "q": "-1", "p": "5", "t": ""})
    draft.lines.append(line)
    assert line.amount == -5 and draft.final_status == "returned"
    draft, _ = p.parse({"o": "C536379", "c": "a", "d": "2024-01-01", "q": "-1", "p": "5",
                        "t": ""})
    assert draft.status == "cancelled"
    with pytest.raises(RowRejected, match="no amount"):
        p.parse({"o": "4", "c": "a", "d": "2024-01-01", "q": "1", "p": "", "t": ""})
    with pytest.raises(RowRejected, match="not understood"):
        p.parse({"o": "4", "c": "a", "d": "someday", "q": "1", "p": "1", "t": ""})
    with pytest.raises(RowRejected, match="quantity"):
        p.parse({"o": "4", "c": "a", "d": "2024-01-01", "q": "x", "p": "1", "t": ""})


def test_derived_order_ids_are_deterministic_and_count_identical_rows() -> None:
    row = {"c": "00002", "d": "19970112", "n": "1", "v": "12.00"}

    def ids() -> list[str]:
        p = _parser(customer_id="c", date="d", quantity="n", total="v")
        return [p.parse(row)[0].external_id for _ in range(3)]

    first = ids()
    assert len(set(first)) == 3 and first == ids()
