from __future__ import annotations

import gzip
from datetime import UTC, date, datetime
from pathlib import Path

import orjson
import sqlalchemy as sa

from kizuna.bulk_import.contracts import ImportKind
from kizuna.ingest.tables import EventRow, SourceRow
from kizuna.profiles import api as profiles
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace

from .conftest import Importer

CUSTOMERS = """\
customer_id,email,first_name,last_name,birthday,timezone,locale,country,plan,email_opt_in,\
consent_recorded_at
u1,Hanako@Example.jp,花子,山田,1990-04-01,Asia/Tokyo,ja,JP,gold,true,2024-01-05T09:00:00+09:00
u2,bob@example.com,Bob,Smith,,,en,US,,false,2024-01-06
,carol@example.com,Carol,,,,,,silver,,
u3,not-an-email,X,,,,,,,,
"""


def test_customers_with_traits_and_consent_idempotent(
    runtime: Runtime, workspace: Workspace, do_import: Importer, tmp_path: Path
) -> None:
    f = tmp_path / "customers.csv"
    f.write_text(CUSTOMERS, encoding="utf-8")
    summary = do_import(f, kind=ImportKind.CUSTOMERS)
    assert (summary.rows_read, summary.written, summary.skipped, summary.rejected) == (4, 3, 0, 1)
    assert summary.rejects[0].line == 5 and "email" in summary.rejects[0].reason
    with runtime.sessions() as s:
        page = profiles.search_customers(s, workspace.id, "hanako")
        assert page.total == 1
        hanako = page.items[0]
        assert (hanako.external_id, hanako.email, hanako.first_name, hanako.country) == (
            "u1", "hanako@example.jp", "花子", "JP")
        assert hanako.birthday == date(1990, 4, 1) and hanako.locale == "ja"
        assert hanako.traits.get("plan") == "gold"
        consents = profiles.list_consents(s, workspace.id, hanako.id)
        assert [(c.channel, c.status, c.method) for c in consents] == [
            ("email", "granted", "import")]
        assert consents[0].recorded_at == datetime(2024, 1, 5, tzinfo=UTC)
        bob = profiles.search_customers(s, workspace.id, "bob@").items[0]
        assert [c.status for c in profiles.list_consents(s, workspace.id, bob.id)] == [
            "withdrawn"]
        assert profiles.search_customers(s, workspace.id, "carol").total == 1

    again = do_import(f, kind=ImportKind.CUSTOMERS)
    assert (again.written, again.skipped, again.rejected) == (0, 3, 1)
    with runtime.sessions() as s:
        assert profiles.count_customers(s, workspace.id) == 3
        hanako_id = profiles.search_customers(s, workspace.id, "hanako").items[0].id
        assert len(profiles.list_consents(s, workspace.id, hanako_id)) == 1
    with runtime.engine.connect() as conn:
        n = conn.scalar(sa.text("SELECT count(*) FROM consents"))
    assert n == 2  # the re-import recorded nothing new


def test_events_ndjson_and_csv_idempotent(
    runtime: Runtime, do_import: Importer, tmp_path: Path
) -> None:
    messages = [
        {"type": "identify", "userId": "u1", "traits": {"email": "a@example.com"},
         "timestamp": "2024-02-01T10:00:00Z", "messageId": "m-1"},
        {"type": "track", "userId": "u1", "event": "Product Viewed",
         "properties": {"product_id": "p1"}, "timestamp": "2024-02-01T10:01:00Z"},
        {"type": "track", "anonymousId": "anon-9", "timestamp": "2024-02-01T10:02:00Z"},
        {"type": "page", "anonymousId": "anon-9", "name": "Home"},
    ]
    f = tmp_path / "events.jsonl.gz"
    f.write_bytes(gzip.compress(b"\n".join(orjson.dumps(m) for m in messages)))
    summary = do_import(f, kind=ImportKind.EVENTS)
    assert (summary.rows_read, summary.written, summary.rejected) == (4, 3, 1)
    assert summary.rejects[0].line == 3 and "event" in summary.rejects[0].reason

    c = tmp_path / "events.csv"
    c.write_text("user_id,event,timestamp,properties.plan,color\n"
                 "u1,Signed Up,2024-02-02 09:00,gold,red\n", encoding="utf-8")
    csv_summary = do_import(c, kind=ImportKind.EVENTS)
    assert csv_summary.written == 1

    again = do_import(f, kind=ImportKind.EVENTS)
    assert (again.written, again.skipped) == (0, 3)
    assert do_import(c, kind=ImportKind.EVENTS).skipped == 1
    with runtime.engine.connect() as conn:
        kinds = conn.execute(sa.select(SourceRow.name, SourceRow.kind)).all()
        signed = conn.execute(
            sa.select(EventRow.properties, EventRow.timestamp).where(
                EventRow.event == "Signed Up")).one()
        total = conn.scalar(sa.select(sa.func.count()).select_from(EventRow))
    assert kinds == [("import", "import")]
    assert signed[0] == {"plan": "gold", "color": "red"}
    assert signed[1].replace(tzinfo=None) == datetime(2024, 2, 2, 0, 0)  # 09:00 Tokyo
    assert total == 4
