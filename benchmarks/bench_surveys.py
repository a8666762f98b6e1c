"""Survey submission throughput through the real facade, against a raw insert of the rows.

    python benchmarks/bench_surveys.py --db sqlite --submissions 1000
    python benchmarks/bench_surveys.py --db postgresql --submissions 1000

Each run: a fresh, migrated database (SQLite file, or a new PostgreSQL database on
``KIZUNA_TEST_POSTGRES_URL``) with an active NPS survey (the example of
docs/reference/surveys.md) and 500 customers. A submission is what the hosted page or an app
does: ``start_response`` + ``submit_answers`` of every answer, completing the response — which
validates the answers, walks the branch logic, stores the response, writes the ``Survey
Responded`` event on the customer's timeline and (for the ~40 % with a comment) a feedback
inbox item — one transaction per submission, one thread. Then, in the same database, the same
final response rows are inserted with SQLAlchemy Core, also one transaction per row: the
limit of the storage alone. Prints the median of ``--runs`` runs of each and the ratio.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from scratch_databases import drop_database, fresh_database
from sqlalchemy.orm import Session

from kizuna.clock import SystemClock
from kizuna.db.engine import make_engine
from kizuna.db.migrate import upgrade_to_head
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.surveys import api as surveys
from kizuna.surveys.contracts import Channel, ResponseStart
from kizuna.surveys.tables import SurveyResponseRow
from kizuna.workspaces import api as workspaces

COMMENTS = ["配送が遅かったです。", "Great quality, fast delivery!", "<b>価格</b>が高い",
            "サイズが合わなかった"]


def example_definition() -> dict[str, Any]:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.unit.surveys.examples import NPS_DOC

    return NPS_DOC


def plan(n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        score = rng.choice([10, 10, 9, 9, 8, 7, 6, 5, 3, 0])
        answers: dict[str, Any] = {"nps": str(score)}
        if score >= 9:
            answers["praise"] = rng.choice(COMMENTS) if rng.random() < 0.4 else ""
        else:
            answers["reason"] = rng.choice(["price", "quality", "delivery", ""])
            answers["improve"] = rng.choice(COMMENTS) if rng.random() < 0.4 else ""
        out.append(answers)
    return out


def one_run(kind: str, n: int, run: int, workdir: Path) -> dict[str, float]:
    url, dbname = fresh_database(kind, workdir)
    try:
        engine = make_engine(url)
        upgrade_to_head(engine)
        clock = SystemClock()
        with Session(engine) as s, s.begin():
            ws = workspaces.ensure_default_workspace(s, clock)
            survey = surveys.create_survey(s, ws.id, surveys.parse_definition(
                example_definition()), at=clock.now(), status="active")
            customers = profiles.resolve_customers(
                s, ws.id, [IdentityRef(user_id=f"c{i}") for i in range(500)], clock.now())
        submissions = plan(n, seed=run)
        started = time.perf_counter()
        for i, answers in enumerate(submissions):
            with Session(engine) as s, s.begin():
                now = clock.now()
                p = surveys.start_response(s, ws.id, survey.id, ResponseStart(
                    channel=Channel.LINK, locale="ja", customer_id=customers[i % 500],
                    hidden={"order_id": f"o{i}", "category": "shoes"}), at=now)
                done = surveys.submit_answers(s, ws.id, p.response_id, answers, at=now)
                assert done.complete
        facade = time.perf_counter() - started
        with Session(engine) as s:
            rows = [dict(r) for r in s.execute(sa.select(SurveyResponseRow.__table__)).mappings()]
        table: sa.Table = SurveyResponseRow.__table__  # type: ignore[assignment]
        for r in rows:
            r["id"] = uuid.uuid4().hex
        started = time.perf_counter()
        for r in rows:
            with engine.begin() as conn:
                conn.execute(sa.insert(table), [r])
        raw = time.perf_counter() - started
        engine.dispose()
        return {"facade": n / facade, "raw": n / raw}
    finally:
        drop_database(dbname)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            results.append(one_run(args.db, args.submissions, run, Path(tmp)))
            print(f"run {run + 1}: facade {results[-1]['facade']:.0f}/s, "
                  f"raw insert {results[-1]['raw']:.0f}/s")
    facade = statistics.median(r["facade"] for r in results)
    raw = statistics.median(r["raw"] for r in results)
    print(f"{args.db}: {args.submissions} submissions, median of {args.runs}: "
          f"facade {facade:.0f} submissions/s, raw insert {raw:.0f} rows/s, "
          f"ratio raw/facade {raw / facade:.1f}x  ({datetime.now(UTC) - timedelta(0):%Y-%m-%d})")


if __name__ == "__main__":
    main()
