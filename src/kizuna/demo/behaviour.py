"""One person's behaviour around their CDNOW orders: sessions, carts, email, social, consent.

Rules that keep the behaviour consistent with the orders:
- every order is preceded by a session that searches, views and adds exactly its products,
  then starts checkout (the order itself comes from CDNOW, not from an event);
- high-involvement categories (jazz, classical, …) get extra browsing in the days before;
- before the first order, browsing on the first device is anonymous; the identify at
  sign-up links that anonymous id to the customer (a merge on the timeline);
- marketing email goes only to people whose consent is granted at the time; opens and
  clicks are likelier in the days before an order and rarer long after the last one;
- social reactions cluster after orders.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from kizuna.commerce.contracts import OrderRecord
from kizuna.demo import feedback
from kizuna.demo.catalogue import CURRENCY, DemoProduct
from kizuna.demo.messages import Emitter, Session, local_time, product_props
from kizuna.demo.people import DemoPerson

_THEMES = (
    (
        "新春セール",
        "New Year Sale",
        "新春セール開催中！人気CDが最大30%オフ",
        "New Year Sale: up to 30% off best-selling CDs",
    ),
    (
        "バレンタインの贈り物",
        "Valentine's Gifts",
        "大切な人に贈る音楽ギフト",
        "Music gifts for someone special",
    ),
    ("春の新譜", "Spring New Releases", "春の新譜が入荷しました", "Spring releases are in"),
    (
        "ゴールデンウィーク特集",
        "Golden Week Picks",
        "連休に聴きたいアルバム特集",
        "Albums for a long weekend",
    ),
    ("梅雨のジャズ", "Rainy-Day Jazz", "雨の日に聴きたいジャズ", "Jazz for rainy days"),
    ("夏のシティポップ", "Summer City Pop", "夏を彩るシティポップ", "City pop for summer"),
    (
        "アニソン大特集",
        "Anime Soundtrack Week",
        "アニメ・サウンドトラック大特集",
        "Anime soundtrack week",
    ),
    ("秋のクラシック", "Autumn Classics", "秋の夜長にクラシックを", "Classical for autumn nights"),
    (
        "会員限定ポイント2倍",
        "Members' Double Points",
        "会員様限定：ポイント2倍キャンペーン",
        "Members only: double points this week",
    ),
    (
        "年末ベストセラー",
        "Year-End Best Sellers",
        "今年のベストセラーTOP20",
        "This year's top 20 best sellers",
    ),
)
_NETWORKS = {"ja": ("x", "instagram", "line", "x"), "en": ("instagram", "facebook", "x")}
_COMMENTS = {
    "ja": (
        "届きました！音が最高です",
        "このアルバム大好き",
        "ずっと探していたCD、やっと買えた",
        "梱包が丁寧でした",
        "次の新譜も楽しみ",
    ),
    "en": (
        "Just arrived, sounds amazing!",
        "Love this album",
        "Finally found this CD",
        "Fast delivery, well packed",
        "Can't wait for the next release",
    ),
}
_WORDING = {
    ("email", "ja"): "新着情報やキャンペーンのお知らせをメールで受け取る",
    ("email", "en"): "Email me about new releases and offers",
    ("sms", "ja"): "お得な情報をSMSで受け取る",
    ("sms", "en"): "Text me about offers",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Campaign:
    id: str
    day: date
    name_ja: str
    name_en: str
    subject_ja: str
    subject_en: str


def campaign_calendar(anchor: date, shift: timedelta) -> tuple[Campaign, ...]:
    """A newsletter every four weeks over the (shifted) CDNOW period, up to ``anchor``."""
    out: list[Campaign] = []
    day = date(1997, 1, 20) + shift
    n = 0
    while day < anchor:
        theme = _THEMES[n % len(_THEMES)]
        out.append(
            Campaign(
                id=f"nl-{day:%Y%m%d}",
                day=day,
                name_ja=theme[0],
                name_en=theme[1],
                subject_ja=theme[2],
                subject_en=theme[3],
            )
        )
        day += timedelta(days=28)
        n += 1
    return tuple(out)


def _order_products(
    record: OrderRecord, index: dict[str, DemoProduct]
) -> list[tuple[DemoProduct, int]]:
    return [(index[line.product_external_id or ""], int(line.quantity)) for line in record.lines]


def _purchase_session(
    em: Emitter,
    at: datetime,
    record: OrderRecord,
    items: list[tuple[DemoProduct, int]],
) -> None:
    rng, locale = em.rng, em.person.locale
    device = em.device(0 if rng.random() < 0.75 else 1)
    s = Session(em=em, device=device, at=at - timedelta(minutes=rng.uniform(26, 45)))
    products = [p for p, _ in items]
    high = any(p.category.involvement == "high" for p in products)
    s.search_and_view(products, locale, len(products) + (rng.randint(1, 4) if high else 0))
    for product, quantity in items:
        s.track(
            "Product Added",
            product_props(product, locale, quantity),
            f"/products/{product.external_id}",
        )
    s.page("Cart", "/cart", "カート" if locale == "ja" else "Cart")
    s.track("Cart Viewed", {"products": [product_props(p, locale, q) for p, q in items]}, "/cart")
    if not device.identified:
        s.identify()
    s.track(
        "Checkout Started",
        {
            "order_id": record.external_id,
            "value": float(record.total),
            "revenue": float(record.total),
            "currency": CURRENCY,
            "products": [product_props(p, locale, q) for p, q in items],
        },
        "/checkout",
    )
    s.page("Checkout", "/checkout", "ご注文手続き" if locale == "ja" else "Checkout")


def _browse_session(
    em: Emitter,
    at: datetime,
    products: list[DemoProduct],
    *,
    device_index: int = 0,
    cart: bool = False,
    campaign: dict[str, str] | None = None,
) -> None:
    rng, locale = em.rng, em.person.locale
    s = Session(em=em, device=em.device(device_index), at=at, campaign=campaign)
    s.search_and_view(products, locale, rng.randint(1, 3))
    if cart:
        product = products[0]
        s.track("Product Added", product_props(product, locale), f"/products/{product.external_id}")
        s.page("Cart", "/cart", "カート" if locale == "ja" else "Cart")
        s.track("Cart Viewed", {"products": [product_props(product, locale)]}, "/cart")
        if rng.random() < 0.4 and s.device.identified:
            s.track(
                "Checkout Started",
                {
                    "value": float(product.price),
                    "currency": CURRENCY,
                    "products": [product_props(product, locale)],
                },
                "/checkout",
            )


def _pick(
    rng: random.Random, person: DemoPerson, by_category: dict[str, list[DemoProduct]], n: int
) -> list[DemoProduct]:
    return [rng.choice(by_category[rng.choice(person.favourite_categories)]) for _ in range(n)]


def person_activity(
    rng: random.Random,
    person: DemoPerson,
    placed: Sequence[tuple[datetime, OrderRecord]],
    catalogue: tuple[DemoProduct, ...],
    by_category: dict[str, list[DemoProduct]],
    campaigns: tuple[Campaign, ...],
    end: datetime,
    out: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Append this person's messages to ``out``; return their consent records."""
    em = Emitter(rng=rng, person=person, out=out)
    index = {p.external_id: p for p in catalogue}
    first_at, last_at = placed[0][0], placed[-1][0]
    limit = end - timedelta(hours=1)

    # Anonymous browsing before the first order, on the device they will sign up from.
    for _ in range(rng.choice((0, 1, 1, 2))):
        earlier = first_at - timedelta(days=rng.uniform(1, 14))
        products = [p for p, _ in _order_products(placed[0][1], index)]
        _browse_session(em, earlier, products + _pick(rng, person, by_category, 1))

    for at, record in placed:
        items = _order_products(record, index)
        if any(p.category.involvement == "high" for p, _ in items):
            for _ in range(rng.randint(1, 3)):
                before = at - timedelta(days=rng.uniform(0.5, 10))
                if before > first_at:
                    _browse_session(em, before, [p for p, _ in items])
        _purchase_session(em, at, record, items)

    signup = first_at - timedelta(minutes=5)
    horizon = min(limit, last_at + timedelta(days=150))
    span = max((horizon - first_at).total_seconds(), 3600.0)
    for _ in range(rng.randint(0, 2) + len(placed) // 2):
        at = first_at + timedelta(seconds=rng.uniform(3600, span))
        _browse_session(
            em, at, _pick(rng, person, by_category, 2), device_index=0 if rng.random() < 0.8 else 1
        )
    for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
        at = first_at + timedelta(seconds=rng.uniform(3600, span))
        _browse_session(em, at, _pick(rng, person, by_category, 1), cart=True)

    consents: list[dict[str, Any]] = []
    granted = rng.random() < 0.88
    withdrawn_at: datetime | None = None
    if granted:
        consents.append(_consent("email", "granted", person.locale, signup))
        if rng.random() < 0.14:
            withdrawn_at = signup + timedelta(days=rng.uniform(30, 400))
            if withdrawn_at < limit:
                consents.append(_consent("email", "withdrawn", person.locale, withdrawn_at))
            else:
                withdrawn_at = None
    if person.locale == "ja" and rng.random() < 0.25:
        consents.append(_consent("sms", "granted", person.locale, signup))

    if granted:
        _emails(em, campaigns, placed, signup, withdrawn_at, limit, by_category)
    if person.social:
        _social(em, placed, index, first_at, horizon)
    # Last, so that the feedback draws leave every other event of this person unchanged.
    feedback.emit_feedback(em, placed, limit)
    return consents


def _consent(channel: str, status: str, locale: str, at: datetime) -> dict[str, Any]:
    return {
        "channel": channel,
        "purpose": "marketing",
        "status": status,
        "method": "form" if status == "granted" else "unsubscribe_link",
        "wording": _WORDING[(channel, locale)],
        "at": at,
    }


def _emails(
    em: Emitter,
    campaigns: tuple[Campaign, ...],
    placed: Sequence[tuple[datetime, Any]],
    signup: datetime,
    withdrawn_at: datetime | None,
    limit: datetime,
    by_category: dict[str, list[DemoProduct]],
) -> None:
    rng, person = em.rng, em.person
    ja = person.locale == "ja"
    stop = min(withdrawn_at or limit, limit)
    last_order = placed[-1][0]
    last: Campaign | None = None
    for c in campaigns:
        sent = local_time(c.day, rng.uniform(10, 10.5), person.timezone)
        if not signup < sent < stop:
            continue
        last = c
        props = {
            "campaign_id": c.id,
            "campaign_name": c.name_ja if ja else c.name_en,
            "email_id": f"{c.id}-{person.user_id}",
            "email_subject": c.subject_ja if ja else c.subject_en,
        }
        em.emit("track", sent, device=None, event="Email Delivered", properties=dict(props))
        buys_soon = any(timedelta(0) < at - sent < timedelta(days=10) for at, _ in placed)
        if buys_soon:
            p_open, p_click = 0.6, 0.55
        elif sent > last_order + timedelta(days=200):
            p_open, p_click = 0.08, 0.1
        else:
            p_open, p_click = 0.22, 0.25
        if rng.random() >= p_open:
            continue
        opened = sent + timedelta(minutes=rng.lognormvariate(4.0, 1.2))
        if opened >= limit:
            continue
        em.emit("track", opened, device=None, event="Email Opened", properties=dict(props))
        if rng.random() >= p_click:
            continue
        clicked = opened + timedelta(seconds=rng.uniform(10, 180))
        link = f"https://shop.example.com/campaigns/{c.id}"
        em.emit(
            "track",
            clicked,
            device=None,
            event="Email Link Clicked",
            properties={**props, "link_url": link},
        )
        if rng.random() < 0.6 and em.signed_up:
            utm = {"source": "newsletter", "medium": "email", "name": c.id}
            _browse_session(
                em, clicked + timedelta(seconds=5), _pick(rng, person, by_category, 2), campaign=utm
            )
    if withdrawn_at is not None:
        em.emit(
            "track",
            withdrawn_at,
            device=None,
            event="Email Unsubscribed",
            properties={"campaign_id": last.id if last else None, "reason": "too_many_emails"},
        )


def _social(
    em: Emitter,
    placed: Sequence[tuple[datetime, OrderRecord]],
    index: dict[str, DemoProduct],
    first_at: datetime,
    horizon: datetime,
) -> None:
    rng, person = em.rng, em.person
    kinds = (
        "Social Post Liked",
        "Social Post Shared",
        "Social Post Commented",
        "Social Post Mentioned",
    )
    for _ in range(rng.randint(1, 6)):
        product: DemoProduct | None = None
        if rng.random() < 0.7:
            at, record = rng.choice(list(placed))
            at += timedelta(days=rng.uniform(1, 14))
            line = rng.choice(record.lines)
            product = index[line.product_external_id or ""]
        else:
            at = first_at + timedelta(seconds=rng.uniform(0, (horizon - first_at).total_seconds()))
        if at >= horizon:
            continue
        event = rng.choices(kinds, weights=(45, 20, 20, 15))[0]
        network = rng.choice(_NETWORKS[person.locale])
        post = em.new_id()[:12]
        props: dict[str, Any] = {
            "network": network,
            "post_id": post,
            "post_url": f"https://social.example.com/{network}/{post}",
            "reach": int(rng.lognormvariate(5.0, 1.2)) + 1,
        }
        if product is not None:
            props["product_id"] = product.external_id
        if event in ("Social Post Commented", "Social Post Mentioned"):
            props["text"] = rng.choice(_COMMENTS[person.locale])
        em.emit("track", at, device=None, event=event, properties=props)
