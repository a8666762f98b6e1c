"""Errors of the loyalty domain.

    Invalid (400)
    ├── LoyaltyConfigInvalid     the programme configuration is wrong (``field``, ``errors``)
    └── LoyaltyInvalid           a ledger request is wrong (points, reward spec, action params)
    NotFound (404)
    ├── LoyaltyNotConfigured     the workspace has no programme yet
    ├── NotAMember               the customer has not joined (or has left) the programme
    └── RewardNotFound
    Conflict (409)
    ├── InsufficientPoints       the balance does not cover the reward
    └── RewardUnavailable        inactive, out of stock, or above the member's tier
"""

from __future__ import annotations

from typing import Any

from kizuna.errors import Conflict, Invalid, NotFound


class LoyaltyConfigInvalid(Invalid):
    """The loyalty programme configuration is invalid; fix the named field and save again."""

    code = "loyalty-config-invalid"

    def __init__(self, errors: list[dict[str, str]], message: str | None = None,
                 **fields: Any) -> None:
        first = errors[0] if errors else {"field": "", "message": ""}
        detail = message or "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        super().__init__(detail or None, field=first["field"], errors=errors, **fields)
        self.errors = errors


class LoyaltyInvalid(Invalid):
    """The loyalty request is invalid; fix the named field and send it again."""

    code = "loyalty-invalid"


class LoyaltyNotConfigured(NotFound):
    """This workspace has no loyalty programme yet; configure it under Loyalty → Settings
    (or `kizuna loyalty configure`) first."""

    code = "loyalty-not-configured"


class NotAMember(NotFound):
    """This customer is not a member of the loyalty programme; enrol them first."""

    code = "loyalty-not-a-member"


class RewardNotFound(NotFound):
    """No reward with this key exists; list the rewards catalogue for valid keys."""

    code = "loyalty-reward-not-found"


class InsufficientPoints(Conflict):
    """The member's balance does not cover this reward; earn more points or pick a cheaper
    reward."""

    code = "loyalty-insufficient-points"


class RewardUnavailable(Conflict):
    """This reward cannot be redeemed now (inactive, out of stock, or reserved for a higher
    tier); pick another reward."""

    code = "loyalty-reward-unavailable"
