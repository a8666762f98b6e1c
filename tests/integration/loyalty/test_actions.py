"""Journey actions: validated parameters, applied once per step run."""

from __future__ import annotations

import pytest

from kizuna.loyalty import api as loyalty
from kizuna.loyalty.actions import JOURNEY_ACTIONS
from kizuna.loyalty.errors import LoyaltyInvalid
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.integration.loyalty.shop import T0, customers, programme


@pytest.mark.parametrize(("action", "params"), [
    ("loyalty.award_points", {"points": 0}),
    ("loyalty.award_points", {"points": True}),
    ("loyalty.award_points", {"points": 10, "reason": 3}),
    ("loyalty.grant_badge", {"badge": "nope"}),
    ("loyalty.enrol", {"x": 1}),
])
def test_bad_params_are_refused(action: str, params: dict[str, object]) -> None:
    with pytest.raises(LoyaltyInvalid):
        JOURNEY_ACTIONS[action].validate(params)


def test_actions_apply_once(runtime: Runtime, workspace: Workspace) -> None:
    ws = workspace.id
    award, grant, enrol = (JOURNEY_ACTIONS[k] for k in (
        "loyalty.award_points", "loyalty.grant_badge", "loyalty.enrol"))
    with runtime.sessions() as s, s.begin():
        programme(s, ws)
        (aiko,) = customers(s, ws, "u-aiko")
        assert not award.apply(s, ws, aiko, {"points": 50}, source_key="j1:s1:r1", now=T0)
        assert enrol.apply(s, ws, aiko, {}, source_key="j1:s0:r1", now=T0)
        assert not enrol.apply(s, ws, aiko, {}, source_key="j1:s0:r2", now=T0)
        assert award.apply(s, ws, aiko, {"points": 50, "reason": "Welcome"},
                           source_key="j1:s1:r1", now=T0)
        assert not award.apply(s, ws, aiko, {"points": 50}, source_key="j1:s1:r1", now=T0)
        assert grant.apply(s, ws, aiko, {"badge": "referrer"}, source_key="j1:s2:r1", now=T0)
        assert not grant.apply(s, ws, aiko, {"badge": "referrer"}, source_key="j1:s2:r2",
                               now=T0)
        summary = loyalty.member_summary(s, ws, aiko, now=T0)
    assert summary is not None and summary.balance == 50
    assert [b.key for b in summary.badges] == ["referrer"]
    assert summary.channel == "journey"
