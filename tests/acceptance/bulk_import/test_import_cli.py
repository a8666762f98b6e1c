from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from kizuna.bulk_import import api as bulk_import
from kizuna.cli.main import app

runner = CliRunner()


def invoke(database_url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--database-url", database_url, "import", *args])
    return result.exit_code, result.output


def flat(text: str) -> str:
    """Rich wraps long lines on narrow terminals: compare with whitespace collapsed."""
    return " ".join(text.split())


def count(database_url: str, table: str) -> int:
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        n = conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))
    engine.dispose()
    return int(n or 0)


def test_orders_csv_with_flags_table_and_json(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    f = tmp_path / "sales.csv"
    f.write_text("1001;m-1;01.02.2024;2;1500\n1001;m-1;01.02.2024;1;300\n"
                 "1002;m-2;02.02.2024;1;oops\n", encoding="utf-8")
    args = ["orders", str(f), "--delimiter", ";", "--no-header", "--names",
            "no,member,day,qty,price", "--map", "order_id=no", "--map", "customer_id=member",
            "--map", "date=day", "--map", "unit_price=price", "--date-format", "%d.%m.%Y",
            "--currency", "JPY"]
    code, out = invoke(database_url, *args)
    assert code == 0, out
    assert "rows read" in out and "orders written" in out
    report = tmp_path / "kizuna-import-1-rejected.csv"
    assert str(report) in out.replace("\n", "")
    with report.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["file", "line", "reason", "raw"]
    assert rows[1][:2] == [str(f), "3"] and "unit_price" in rows[1][2] and "oops" in rows[1][3]
    assert count(database_url, "orders") == 1 and count(database_url, "order_items") == 2

    code, out = invoke(database_url, *args, "--json")
    assert code == 0, out
    summary = json.loads(out.strip().splitlines()[-1])
    assert (summary["rows_read"], summary["written"], summary["skipped"], summary["rejected"]) == (
        3, 0, 1, 1)
    assert count(database_url, "import_runs") == 2


def test_all_rows_rejected_exits_2(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    f = tmp_path / "bad.csv"
    f.write_text("customer_id,date,total\nc1,yesterday,3\n", encoding="utf-8")
    code, out = invoke(database_url, "orders", str(f), "--json")
    assert code == 2, out
    assert json.loads(out.strip().splitlines()[-1])["rejected"] == 1
    assert Path(json.loads(out.strip().splitlines()[-1])["report"]).is_file()


def test_bad_mapping_and_missing_file_fail_clearly(database_url: str, tmp_path: Path) -> None:
    f = tmp_path / "o.csv"
    f.write_text("customer_id,date,total\nc1,2024-01-01,3\n", encoding="utf-8")
    code, out = invoke(database_url, "orders", str(f), "--map", "total=amount")
    assert code == 1 and "no column 'amount'" in flat(out)
    code, out = invoke(database_url, "orders", str(tmp_path / "nope.csv"))
    assert code == 1 and "does not exist" in flat(out)


def test_customers_and_mapping_file(database_url: str, tmp_path: Path) -> None:
    m = tmp_path / "map.json"
    m.write_text(json.dumps({"external_id": "会員番号", "email": "メール"}), encoding="utf-8")
    f = tmp_path / "members.csv"
    f.write_text("会員番号,メール,ランク\nk1,k1@example.jp,gold\nk2,k2@example.jp,\n",
                 encoding="utf-8")
    code, out = invoke(database_url, "customers", str(f), "--mapping", str(m), "--json")
    assert code == 0, out
    assert json.loads(out.strip().splitlines()[-1])["written"] == 2
    assert count(database_url, "customers") == 2


def test_cdnow_format_on_a_slice(database_url: str, tmp_path: Path) -> None:
    f = tmp_path / "cdnow.txt"
    with bulk_import.cdnow_master_path().open("rb") as fh:
        f.write_bytes(b"".join(fh.readline() for _ in range(301)))
    code, out = invoke(database_url, "orders", str(f), "--format", "cdnow", "--json")
    assert code == 0, out
    assert json.loads(out.strip().splitlines()[-1])["written"] == 300


def test_cdnow_whole_file_in_one_command(tmp_path: Path, sqlite_template: Path) -> None:
    import shutil

    db = tmp_path / "k.db"
    shutil.copy(sqlite_template, db)
    url = f"sqlite:///{db}"
    code, out = invoke(url, "orders", "--cdnow", "--json")
    assert code == 0, out
    summary = json.loads(out.strip().splitlines()[-1])
    assert (summary["rows_read"], summary["written"], summary["rejected"]) == (69_659, 69_659, 0)
    assert count(url, "customers") == 23_570
