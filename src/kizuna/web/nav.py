"""The dashboard's navigation bar, in one place. Later issues append their sections here."""

from __future__ import annotations

from dataclasses import dataclass

from kizuna.auth.contracts import Role, User


@dataclass(frozen=True, slots=True, kw_only=True)
class NavItem:
    key: str  # message catalogue key of the label
    route: str  # name of the dashboard route it opens
    active_prefix: str  # path (under the dashboard root) that marks it as the current section
    role: Role = Role.VIEWER  # least role that sees the item


NAV: list[NavItem] = [
    NavItem(key="nav.overview", route="overview", active_prefix="/overview"),
    NavItem(key="nav.customers", route="customers_list", active_prefix="/customers"),
    # Listen (issue 4): each domain's views module defines the route named here.
    NavItem(key="nav.surveys", route="surveys_list", active_prefix="/surveys"),
    NavItem(key="nav.feedback", route="feedback_inbox", active_prefix="/feedback"),
    NavItem(key="nav.reviews", route="reviews_list", active_prefix="/reviews"),
    NavItem(key="nav.ideas", route="ideas_admin", active_prefix="/ideas"),
    NavItem(key="nav.loyalty", route="loyalty_overview", active_prefix="/loyalty"),
    NavItem(key="nav.segments", route="segments_list", active_prefix="/segments"),
    NavItem(key="nav.journeys", route="journeys_list", active_prefix="/journeys"),
    NavItem(key="nav.broadcasts", route="broadcasts_list", active_prefix="/broadcasts"),
    NavItem(key="nav.pdca", route="pdca_list", active_prefix="/pdca"),
    NavItem(key="nav.recommendations", route="recommendations", active_prefix="/recommendations",
            role=Role.VIEWER),
    NavItem(key="nav.jobs", route="jobs_overview", active_prefix="/jobs", role=Role.ADMIN),
    NavItem(key="nav.inbox", route="inbox_settings", active_prefix="/inbox", role=Role.ADMIN),
]


def visible_items(user: User | None) -> list[NavItem]:
    if user is None:
        return []
    return [item for item in NAV if user.has_role(item.role)]
