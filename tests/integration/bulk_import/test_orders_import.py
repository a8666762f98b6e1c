from __future__ import annotations

import gzip
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa

from kizuna.bulk_import.contracts import ImportKind
from kizuna.bulk_import.errors import MappingInvalid
from kizuna.bulk_import.mapping import load_mapping_file
from kizuna.commerce.tables import OrderItemRow, OrderRow, ProductRow
from kizuna.profiles import api as profiles
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace

from .conftest import Importer

RETAIL = """InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART,6,12/1/2010 8:26,2.55,17850,United Kingdom
536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850,United Kingdom
536366,22633,HAND WARMER UNION JACK,6,12/1/2010 8:28,1.85,17850,United Kingdom
C536379,D,Discount,-1,12/1/2010 9:41,27.50,14527,United Kingdom
536380,22633,HAND WARMER UNION JACK,-2,12/1/2010 9:45,1.85,14527,United Kingdom
536381,22633,HAND WARMER,oops,12/1/2010 9:46,1.85,14527,United Kingdom
536382,22633,HAND WARMER,1,not a date,1.85,14527,United Kingdom
"""


def orders(runtime: Runtime) -> dict[str, tuple[str, Decimal, int]]:
    with runtime.engine.connect() as conn:
        rows = conn.execute(
            sa.select(OrderRow.external_id, OrderRow.status, OrderRow.total,
                      sa.func.count(OrderItemRow.id))
            .join(OrderItemRow, OrderItemRow.order_id == OrderRow.id)
            .group_by(OrderRow.id, OrderRow.external_id, OrderRow.status, OrderRow.total)
        )
        return {ext: (status, Decimal(total), n) for ext, status, total, n in rows}


def test_multi_line_orders_returns_cancellations_and_rejects(
    runtime: Runtime, do_import: Importer, tmp_path: Path
) -> None:
    f = tmp_path / "retail.csv"
    f.write_text(RETAIL, encoding="utf-8")
    summary = do_import(f)
    assert (summary.rows_read, summary.written, summary.skipped, summary.rejected) == (7, 4, 0, 2)
    assert [(r.line, r.file) for r in summary.rejects] == [(7, str(f)), (8, str(f))]
    assert "quantity" in summary.rejects[0].reason and "536381" in summary.rejects[0].raw
    assert "not understood" in summary.rejects[1].reason
    got = orders(runtime)
    assert got["536365"] == ("completed", Decimal("35.64"), 2)
    assert got["536366"] == ("completed", Decimal("11.10"), 1)
    assert got["C536379"] == ("cancelled", Decimal("-27.50"), 1)
    assert got["536380"] == ("returned", Decimal("-3.70"), 1)
    with runtime.engine.connect() as conn:
        placed = conn.scalar(sa.select(OrderRow.placed_at).where(OrderRow.external_id == "536365"))
        products = conn.scalar(sa.select(sa.func.count()).select_from(ProductRow))
        linked = conn.scalar(sa.select(sa.func.count()).where(OrderItemRow.product_id.is_not(None)))
    assert placed is not None
    naive = placed.replace(tzinfo=None) if placed.tzinfo else placed
    assert naive == datetime(2010, 11, 30, 23, 26)  # 8:26 in Tokyo, stored in UTC
    assert products == 4 and linked == 5

    again = do_import(f)
    assert (again.written, again.skipped, again.rejected) == (0, 4, 2)
    assert len(orders(runtime)) == 4


def test_orders_spanning_batches_are_not_split(
    runtime: Runtime, do_import: Importer, tmp_path: Path
) -> None:
    lines = ["order_id,customer_id,date,quantity,price"]
    for o in range(10):
        lines += [f"o{o},c{o % 3},2024-05-0{1 + o % 9},1,{o}.5" for _ in range(3)]
    lines.append("o1,c1,2024-05-02,1,1")  # o1 again, long after: must be rejected
    f = tmp_path / "o.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = do_import(f, batch_size=4)
    assert (summary.written, summary.rejected) == (10, 1)
    assert "keep each order's rows together" in summary.rejects[0].reason
    assert all(n == 3 for _, _, n in orders(runtime).values())


def test_ndjson_gzip_with_map_flags_and_mapping_file(
    runtime: Runtime, do_import: Importer, tmp_path: Path
) -> None:
    records = [
        {"ref": "A-1", "member": "m1", "when": "2024/03/01 10:00", "paid": "1,200", "cur": "jpy"},
        {"ref": "A-2", "member": "m2", "when": "2024/03/02 11:00", "paid": 800},
    ]
    f = tmp_path / "orders.ndjson.gz"
    f.write_bytes(gzip.compress(b"\n".join(orjson.dumps(r) for r in records)))
    mapping_file = tmp_path / "mapping.toml"
    mapping_file.write_text('order_id = "ref"\ncustomer_id = "member"\ndate = "when"\n',
                            encoding="utf-8")
    mapping = {**load_mapping_file(mapping_file), "total": "paid", "currency": "cur"}
    summary = do_import(f, mapping=mapping, timezone="UTC")
    assert (summary.rows_read, summary.written, summary.rejected) == (2, 2, 0)
    with runtime.engine.connect() as conn:
        got = dict(conn.execute(sa.select(OrderRow.external_id, OrderRow.total)).all())
        cur = conn.scalar(sa.select(OrderRow.currency).where(OrderRow.external_id == "A-1"))
    assert {k: Decimal(v) for k, v in got.items()} == {"A-1": 1200, "A-2": 800}
    assert cur == "JPY"
    # NDJSON objects may differ in keys: a mapped key that is absent rejects the rows
    missing = do_import(f, mapping={**mapping, "total": "nope"})
    assert missing.all_rejected and "no amount" in missing.rejects[0].reason
    with pytest.raises(MappingInvalid, match="Unknown field 'totl'"):
        do_import(f, mapping={"totl": "paid"})


def test_every_row_rejected_is_reported(do_import: Importer, tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("customer_id,date,total\nc1,,3\nc2,2024-01-01,abc\n", encoding="utf-8")
    summary = do_import(f)
    assert summary.all_rejected and summary.written == 0 and summary.rejected == 2


def test_cdnow_slice_imports_idempotently(
    runtime: Runtime, do_import: Importer, tmp_path: Path
) -> None:
    """The whole file is imported by the CLI acceptance test (SQLite); here a slice, on both
    databases, checks values, customers and the re-run."""
    from kizuna.bulk_import import api as bulk_import

    path = tmp_path / "cdnow_slice.txt"
    with bulk_import.cdnow_master_path().open("rb") as fh:
        path.write_bytes(b"".join(fh.readline() for _ in range(2001)))
    expected_rows = 2000
    expected_customers = len({ln.split()[0] for ln in path.read_text().splitlines()[1:]})
    summary = do_import(path, options=bulk_import.cdnow_options())
    assert (summary.rows_read, summary.written, summary.rejected) == (expected_rows,) * 2 + (0,)
    with runtime.engine.connect() as conn:
        customers = conn.scalar(sa.text("SELECT count(*) FROM customers"))
        first = conn.execute(sa.text(
            "SELECT o.total, o.currency, o.placed_at, i.quantity FROM orders o JOIN customers c "
            "ON c.id = o.customer_id JOIN order_items i ON i.order_id = o.id "
            "WHERE c.external_id = '00001'")).one()
    assert customers == expected_customers
    assert Decimal(str(first[0])) == Decimal("11.77") and first[1] == "USD" and first[3] == 1
    placed = first[2] if isinstance(first[2], datetime) else datetime.fromisoformat(first[2])
    assert placed.replace(tzinfo=UTC if placed.tzinfo is None else placed.tzinfo) == datetime(
        1997, 1, 1, 5, tzinfo=UTC)  # midnight in New York, the shop's zone
    again = do_import(path, options=bulk_import.cdnow_options())
    assert (again.written, again.skipped) == (0, expected_rows)
    assert again.kind == ImportKind.ORDERS


def test_imported_customers_are_seen_when_they_ordered(
    runtime: Runtime, workspace: Workspace, do_import: Importer, tmp_path: Path
) -> None:
    f = tmp_path / "o.csv"
    f.write_text(
        "order_id,customer_id,date,total\n"
        "a,c1,2020-01-05,10\nb,c1,2021-06-01,10\nc,c1,2020-03-01,10\nd,c2,2019-02-02,5\n",
        encoding="utf-8",
    )
    do_import(f, timezone="UTC", batch_size=2)  # c1's orders span two batches
    with runtime.sessions.begin() as s:
        page = profiles.search_customers(s, workspace.id, "c1")
    [c1] = page.items
    assert c1.first_seen_at == datetime(2020, 1, 5, tzinfo=UTC)
    assert c1.last_seen_at == datetime(2021, 6, 1, tzinfo=UTC)
