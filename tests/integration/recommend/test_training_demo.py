"""The demo load trains the recommender once, so demo profiles show recommendations."""

from __future__ import annotations

from datetime import date

from kizuna.db.engine import transaction
from kizuna.demo import load
from kizuna.demo.generate import generate_demo
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.recommend import api as recommend
from kizuna.runtime import Runtime


def test_demo_load_leaves_a_ready_run_that_serves_profiles(runtime: Runtime) -> None:
    data = generate_demo(customers=80, seed=7, anchor=date(2026, 11, 23))
    with transaction(runtime.sessions) as session:
        access = load.ensure_demo_access(session, runtime.clock, secret="s3cret", seed=7)
    load.load_demo(runtime.sessions, access=access, data=data, clock=runtime.clock)

    with transaction(runtime.sessions) as session:
        run = recommend.serving_run(session, access.workspace_id)
        assert run is not None and run.status == "ready"
        assert run.customers > 0 and run.rows_written["popular_products"] > 0
        buyer = next(o.user_id for o in data.orders)
        cid = profiles.find_customer_id(session, access.workspace_id,
                                        IdentityRef(user_id=buyer))
        assert cid is not None
        served = recommend.recommendations_for(session, access.workspace_id, cid, limit=4,
                                               now=runtime.clock.now())
    assert served.source in ("personal", "popular") and len(served.items) == 4
