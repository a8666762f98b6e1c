"""The variables a message template sees for one customer.

``customer``, ``event`` (None unless the message is about an event), ``recommendations``
(up to 4 products; empty until the recommender has trained), ``loyalty`` (always a dict:
``loyalty.member`` is False for non-members, with zero balances), ``workspace`` and ``now``.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kizuna.loyalty import api as loyalty
from kizuna.messaging.contracts import MessageTemplate
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import Customer
from kizuna.recommend import api as recommend
from kizuna.types import CustomerId, WorkspaceId
from kizuna.workspaces import api as workspaces
from kizuna.workspaces.contracts import Workspace

RECOMMENDATIONS_LIMIT = 4
TEMPLATE_VARIABLES = ("customer", "event", "recommendations", "loyalty", "workspace", "now")

NON_MEMBER: dict[str, Any] = {
    "member": False, "balance": 0, "tier": "", "tier_name_ja": "", "tier_name_en": "",
    "next_tier": "", "next_tier_name_ja": "", "next_tier_name_en": "",
    "points_to_next_tier": "", "expiring_points": 0, "expiring_at": "", "badges": [],
    "badges_ja": [], "lifetime_earned": 0,
}


def customer_context(
    session: Session,
    workspace_id: WorkspaceId,
    customer_id: CustomerId | int,
    *,
    now: datetime,
    event: Mapping[str, Any] | None = None,
    customer: Customer | None = None,
    workspace: Workspace | None = None,
    names: Collection[str] | None = None,
) -> dict[str, Any]:
    """Everything a template can use for this customer (a merged-away id follows the merge).

    Senders pass the ``customer`` and ``workspace`` they already loaded, and ``names``: the
    variables the template refers to (see ``templates.variable_names``) — ``loyalty`` and
    ``recommendations`` are only looked up when it uses them (otherwise they are empty).
    """
    if customer is None:
        customer = profiles.get_customer(session, workspace_id, customer_id)
    if workspace is None:
        workspace = workspaces.get_workspace(session, workspace_id)
    member = (loyalty.loyalty_for_template(session, workspace_id, customer.id, now=now)
              if names is None or "loyalty" in names else None)
    return {
        "customer": {
            "id": int(customer.id),
            "external_id": customer.external_id or "",
            "email": customer.email or "",
            "first_name": customer.first_name or "",
            "last_name": customer.last_name or "",
            "name": customer.display_name,
            "locale": customer.locale or "",
            "timezone": customer.timezone or "",
            "country": customer.country or "",
            "birthday": customer.birthday.isoformat() if customer.birthday else "",
            "traits": dict(customer.traits or {}),
        },
        "event": event_variables(event),
        "recommendations": recommend.recommendations_for_template(
            session, workspace_id, customer.id, limit=RECOMMENDATIONS_LIMIT, now=now)
        if names is None or "recommendations" in names else [],
        "loyalty": {**NON_MEMBER, **member} if member is not None else dict(NON_MEMBER),
        "workspace": {"name": workspace.name, "currency": workspace.currency,
                      "timezone": workspace.timezone},
        "now": now,
    }


def event_variables(event: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``{"name": …, "properties": {…}}`` from an event (Segment ``event`` / ``name`` keys)."""
    if event is None:
        return None
    name = event.get("name") or event.get("event") or ""
    properties = event.get("properties") or {}
    if not isinstance(properties, Mapping):
        properties = {}
    out = {"name": str(name), "properties": dict(properties)}
    if event.get("timestamp") is not None:
        out["timestamp"] = event["timestamp"]
    return out



@functools.lru_cache(maxsize=256)
def _names_in(sources: tuple[tuple[str, bool], ...]) -> frozenset[str]:
    from jinja2 import meta
    from jinja2.exceptions import TemplateSyntaxError

    from kizuna.messaging.sandbox import KizunaSandbox

    names: set[str] = set()
    for source, html in sources:
        if not source:
            continue
        try:
            names |= meta.find_undeclared_variables(KizunaSandbox(autoescape=html).parse(source))
        except TemplateSyntaxError:
            return frozenset(TEMPLATE_VARIABLES)  # rendering reports the error
    return frozenset(names)


def variable_names(template: MessageTemplate) -> frozenset[str]:
    """The top-level variables (``customer``, ``loyalty`` …) any part of ``template`` uses."""
    sources = [(template.from_address, False), (template.reply_to, False)]
    for variant in template.variants.values():
        sources += [(variant.subject, False), (variant.text, False), (variant.html, True)]
    return _names_in(tuple(sources))
