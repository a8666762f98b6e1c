"""The CDNOW master file (Fader, Hardie & Lee 2005), as shipped in the ``lifetimes`` package.

69,659 transactions of 23,570 customers who first bought at CDNOW in Q1 1997, followed until
June 1998: customer id, date, number of CDs, dollar value. Research and teaching data; cite
the paper when you report on it.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from kizuna.bulk_import import api as bulk_import

CDNOW_FIRST_DAY = date(1997, 1, 1)
CDNOW_LAST_DAY = date(1998, 6, 30)
CDNOW_CUSTOMERS = 23_570


@dataclass(frozen=True, slots=True, kw_only=True)
class CdnowTransaction:
    customer: int
    day: date
    cds: int
    dollars: Decimal
    seq: int  # 0, 1, … for several transactions of one customer on the same day


def cdnow_master_path() -> Path:
    """Where the CDNOW master file is (raises ``CdnowDataMissing`` with the pip command)."""
    return bulk_import.cdnow_master_path()


def read_cdnow(path: Path | None = None) -> dict[int, list[CdnowTransaction]]:
    """Every transaction, grouped by customer, in file order."""
    by_customer: dict[int, list[CdnowTransaction]] = defaultdict(list)
    with (path or cdnow_master_path()).open(encoding="ascii") as fh:
        next(fh)  # header
        for line in fh:
            parts = line.split()
            if len(parts) != 4:
                continue
            customer = int(parts[0])
            day = date(int(parts[1][:4]), int(parts[1][4:6]), int(parts[1][6:8]))
            rows = by_customer[customer]
            seq = sum(1 for t in rows if t.day == day)
            rows.append(
                CdnowTransaction(
                    customer=customer,
                    day=day,
                    cds=int(parts[2]),
                    dollars=Decimal(parts[3]),
                    seq=seq,
                )
            )
    return dict(by_customer)


def sample_customers(
    transactions: dict[int, list[CdnowTransaction]], count: int, seed: int
) -> list[int]:
    """``count`` CDNOW customer ids chosen with ``seed`` (all of them when count is larger)."""
    ids = sorted(transactions)
    if count >= len(ids):
        return ids
    return sorted(random.Random(f"cdnow-sample-{seed}").sample(ids, count))
