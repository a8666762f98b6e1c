from __future__ import annotations

from kizuna.errors import Invalid, NotFound


class CustomerNotFound(NotFound):
    """No customer with this id exists in the workspace."""

    code = "customer-not-found"


class IdentityMissing(Invalid):
    """A message must name its person with userId or anonymousId."""

    code = "identity-missing"
