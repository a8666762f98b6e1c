"""Serving from a trained run, in both dialects: exclusions, cold start, merges, fill."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.profiles.errors import CustomerNotFound
from kizuna.recommend import api as recommend
from kizuna.recommend.errors import RecommenderSettingsInvalid, RecommendProductNotFound
from kizuna.recommend.run_contracts import CustomerRecommendations
from kizuna.recommend.serving import AUTO_REPEAT_RATE
from kizuna.recommend.store import scores_in_scope
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.integration.recommend.rec_shop import PRODUCTS, RecShop, set_attributes, write_rec_shop

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
CATEGORY = {p: c for c, ps in PRODUCTS.items() for p in ps}


@pytest.fixture
def shop(runtime: Runtime, workspace: Workspace) -> RecShop:
    shop = write_rec_shop(runtime, workspace, now=NOW)
    run = recommend.train(runtime.sessions, workspace.id, now=NOW)
    assert run.status == "ready", run.error
    return shop


def _recs(runtime: Runtime, workspace: Workspace, customer: int, **kw: object
          ) -> CustomerRecommendations:
    with runtime.sessions() as s:
        return recommend.recommendations_for(s, workspace.id, customer, now=NOW, **kw)  # type: ignore[arg-type]


def _ids(result: CustomerRecommendations) -> list[str]:
    return [i.product.external_id for i in result.items]


def _settings(runtime: Runtime, workspace: Workspace, **kw: object) -> None:
    with runtime.sessions() as s, s.begin():
        recommend.update_settings(s, workspace.id, now=NOW, **kw)  # type: ignore[arg-type]


def test_a_customer_with_orders_gets_a_full_personal_list(
    runtime: Runtime, workspace: Workspace, shop: RecShop
) -> None:
    result = _recs(runtime, workspace, shop.customers["u001"], limit=10)
    assert result.source == "personal"
    assert len(result.items) == 10 == len(set(_ids(result)))
    first = result.items[0].product
    assert first.name and first.url and first.image_url and first.currency == "JPY"
    assert [i.score for i in result.items if i.reason != "popular"] == sorted(
        (i.score for i in result.items if i.reason != "popular"), reverse=True)
    # the list follows the customer's taste: mostly their home category
    home = shop.home["u001"]
    assert sum(CATEGORY[p] == home for p in _ids(result)) >= 5


def test_already_bought_always_never_and_repeatable_categories(
    runtime: Runtime, workspace: Workspace, shop: RecShop
) -> None:
    coffee_fan, reader = "u000", "u001"  # re-buys one coffee; never buys a book twice
    _settings(runtime, workspace, exclude_purchased="always")
    for user in (coffee_fan, reader):
        assert not set(_ids(_recs(runtime, workspace, shop.customers[user]))) & shop.bought[user]
    _settings(runtime, workspace, exclude_purchased="never")
    assert set(_ids(_recs(runtime, workspace, shop.customers[coffee_fan]))) & \
        shop.bought[coffee_fan]
    # always, but Books may be recommended again: only bought books come back
    _settings(runtime, workspace, exclude_purchased="always", repeatable_categories=["books"])
    again = set(_ids(_recs(runtime, workspace, shop.customers[reader]))) & shop.bought[reader]
    assert again and all(CATEGORY[p] == "Books" for p in again)


def test_auto_keeps_only_bought_products_that_customers_buy_again(
    runtime: Runtime, workspace: Workspace, shop: RecShop
) -> None:
    _settings(runtime, workspace, exclude_purchased="auto")
    with runtime.sessions() as s:
        run = recommend.serving_run(s, workspace.id)
        assert run is not None
        rates = scores_in_scope(s, run.id, "repeat", range(1, 1000))
    seen_again: set[str] = set()
    for user in ("u000", "u001", "u002", "u003", "u004", "u005"):
        result = _recs(runtime, workspace, shop.customers[user])
        for item in result.items:
            if item.product.external_id in shop.bought[user]:
                assert rates.get(item.product.product_id, 0.0) >= AUTO_REPEAT_RATE
                seen_again.add(item.product.external_id)
        # nobody buys a book twice: a bought book never comes back
        assert not {p for p in _ids(result) if CATEGORY[p] == "Books"} & shop.bought[user]
    assert any(p.startswith("coffee") for p in seen_again)  # coffee is bought again


def test_out_of_stock_products_are_left_out(
    runtime: Runtime, workspace: Workspace, shop: RecShop
) -> None:
    customer = shop.customers["u003"]
    before = _ids(_recs(runtime, workspace, customer, limit=10))
    marks = [{"in_stock": False}, {"stock": 0}, {"availability": "https://schema.org/OutOfStock"},
             {"availability": "out of stock"}]
    for product, attributes in zip(before, marks, strict=False):
        set_attributes(runtime, workspace, product, attributes, NOW)
    after = _ids(_recs(runtime, workspace, customer, limit=10))
    assert len(after) == 10
    assert not set(after) & set(before[:4])
    assert after[:6] == before[4:10]  # the rest keep their order
    set_attributes(runtime, workspace, before[0], {"in_stock": True, "stock": 5}, NOW)
    assert before[0] in _ids(_recs(runtime, workspace, customer, limit=10))


def test_excluded_categories_from_settings_and_request(
    runtime: Runtime, workspace: Workspace, shop: RecShop
) -> None:
    _settings(runtime, workspace, excluded_categories=[" books "])
    customer = shop.customers["u001"]  # a reader
    result = _recs(runtime, workspace, customer, limit=10, exclude_categories=["TOYS"])
    assert len(result.items) == 10
    assert {CATEGORY[p] for p in _ids(result)} <= {"Coffee", "Garden"}


def test_the_list_is_filled_from_popular_lists_when_exclusions_empty_it(
    runtime: Runtime, workspace: Workspace, shop: RecShop
) -> None:
    _settings(runtime, workspace, exclude_purchased="always")
    customer = shop.customers["u002"]
    result = _recs(runtime, workspace, customer, limit=30, exclude_categories=["Books"])
    available = {p for p, c in CATEGORY.items() if c != "Books"} - shop.bought["u002"]
    assert set(_ids(result)) == available  # everything allowed, nothing twice
    assert len(result.items) == len(available) < 30
    assert any(i.reason == "popular" for i in result.items)


def test_cold_start_gets_popular_products_of_their_language(
    runtime: Runtime, workspace: Workspace, shop: RecShop
) -> None:
    with runtime.sessions() as s, s.begin():
        newcomer = profiles.upsert_customers(s, workspace.id, [CustomerUpsert(
            external_id="new-ja", locale="ja-JP")], NOW)[0]
    result = _recs(runtime, workspace, newcomer, limit=5)
    assert result.source == "popular" and len(result.items) == 5
    assert {i.reason for i in result.items} == {"popular"}
    japanese = [u for u in shop.customers if int(u[1:]) % 2]
    bought_by_ja = set().union(*(shop.bought[u] for u in japanese))
    assert set(_ids(result)) <= bought_by_ja


def test_unknown_customer_product_and_untrained_workspace(
    runtime: Runtime, workspace: Workspace
) -> None:
    with runtime.sessions() as s, pytest.raises(CustomerNotFound):
        recommend.recommendations_for(s, workspace.id, 999_999, now=NOW)
    with runtime.sessions() as s:
        assert recommend.recommendations_for_template(s, workspace.id, 999_999, now=NOW) == []
    with runtime.sessions() as s, s.begin():
        cid = profiles.upsert_customers(s, workspace.id, [CustomerUpsert(external_id="x")],
                                        NOW)[0]
    result = _recs(runtime, workspace, cid)
    assert result.source == "none" and result.items == () and result.run_id is None
    with runtime.sessions() as s, pytest.raises(RecommendProductNotFound):
        recommend.frequently_bought_together(s, workspace.id, "nope")


def test_a_merged_customer_sees_the_survivors_list_without_duplicates(
    runtime: Runtime, workspace: Workspace, shop: RecShop
) -> None:
    merged, survivor = shop.customers["u001"], shop.customers["u005"]  # both readers
    with runtime.sessions() as s, s.begin():
        profiles.alias(s, workspace.id, previous_id="u001", user_id="u005",
                       at=NOW + timedelta(minutes=1))
    by_old_id = _recs(runtime, workspace, merged, limit=40)
    by_new_id = _recs(runtime, workspace, survivor, limit=40)
    assert by_old_id == by_new_id
    assert by_new_id.customer_id == survivor
    ids = _ids(by_new_id)
    assert len(ids) == len(set(ids))
    # purchases of both profiles now count as the survivor's
    _settings(runtime, workspace, exclude_purchased="always")
    assert not set(_ids(_recs(runtime, workspace, survivor, limit=40))) & (
        shop.bought["u001"] | shop.bought["u005"])


def test_template_variable_is_plain_dicts(
    runtime: Runtime, workspace: Workspace, shop: RecShop
) -> None:
    with runtime.sessions() as s:
        items = recommend.recommendations_for_template(s, workspace.id, shop.customers["u002"],
                                                       now=NOW)
    assert len(items) == 4
    assert set(items[0]) == {"name", "url", "image_url", "price", "currency", "category",
                             "product_id", "reason"}
    assert items[0]["url"].startswith("https://shop.example/p/")


def test_bought_together_leaves_out_of_stock_partners(
    runtime: Runtime, workspace: Workspace, shop: RecShop
) -> None:
    with runtime.sessions() as s:
        before = recommend.frequently_bought_together(s, workspace.id, "garden-0", limit=5)
    assert before.items[0].product.external_id == "garden-1"
    assert all(i.orders_together >= 2 for i in before.items)
    assert [i.lift for i in before.items] == sorted((i.lift for i in before.items), reverse=True)
    set_attributes(runtime, workspace, "garden-1", {"in_stock": "false"}, NOW)
    with runtime.sessions() as s:
        after = recommend.frequently_bought_together(s, workspace.id, "garden-0", limit=5)
    assert "garden-1" not in [i.product.external_id for i in after.items]


@pytest.mark.parametrize(("changes", "field"), [
    ({"exclude_purchased": "sometimes"}, "exclude_purchased"),
    ({"retrain_hours": 0}, "retrain_hours"),
    ({"retrain_hours": 10_000}, "retrain_hours"),
    ({"excluded_categories": ["x" * 201]}, "excluded_categories"),
    ({"repeatable_categories": [f"c{i}" for i in range(101)]}, "repeatable_categories"),
])
def test_invalid_settings_are_refused(
    runtime: Runtime, workspace: Workspace, changes: dict[str, object], field: str
) -> None:
    with runtime.sessions() as s, s.begin(), pytest.raises(RecommenderSettingsInvalid) as err:
        recommend.update_settings(s, workspace.id, now=NOW, **changes)  # type: ignore[arg-type]
    assert err.value.fields["field"] == field
    with runtime.sessions() as s:
        assert recommend.get_settings(s, workspace.id).updated_at is None


def test_settings_round_trip(runtime: Runtime, workspace: Workspace) -> None:
    _settings(runtime, workspace, exclude_purchased="never",
              excluded_categories=["Books", "books", " ", "Toys"], retrain_hours=6)
    with runtime.sessions() as s:
        value = recommend.get_settings(s, workspace.id)
    assert value.exclude_purchased == "never"
    assert value.excluded_categories == ("Books", "Toys")
    assert value.retrain_hours == 6 and value.updated_at == NOW
