"""Building Segment-spec messages for one demo person (web sessions, email, social)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kizuna.demo.catalogue import CURRENCY, DemoProduct
from kizuna.demo.people import DemoPerson

LIBRARY = {"name": "kizuna-demo", "version": "1"}
SHOP = "https://shop.example.com"

_USER_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15",
)
_REFERRERS = (
    "https://www.google.com/",
    "https://www.google.co.jp/",
    "https://search.yahoo.co.jp/",
    "https://www.instagram.com/",
    "https://t.co/",
    "",
    "",
    "",
)


_ZONES: dict[str, ZoneInfo] = {}


def local_time(day: date, hour: float, tz: str) -> datetime:
    """``hour`` (fractional) on ``day`` in time zone ``tz``, as aware UTC."""
    zone = _ZONES.setdefault(tz, ZoneInfo(tz))
    seconds = int(hour * 3600)
    naive = datetime.combine(day, time(seconds // 3600, (seconds // 60) % 60, seconds % 60))
    return naive.replace(tzinfo=zone).astimezone(UTC)


def iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


@dataclass
class Device:
    anonymous_id: str
    user_agent: str
    identified: bool = False


@dataclass
class Emitter:
    """Writes one person's messages into ``out``; every id comes from ``rng`` (reproducible)."""

    rng: random.Random
    person: DemoPerson
    out: list[dict[str, Any]]
    devices: list[Device] = field(default_factory=list)
    signed_up: bool = False

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def device(self, index: int) -> Device:
        while len(self.devices) <= index:
            self.devices.append(
                Device(anonymous_id=self.new_id(), user_agent=self.rng.choice(_USER_AGENTS))
            )
        return self.devices[index]

    def emit(
        self, kind: str, at: datetime, *, device: Device | None, **fields: Any
    ) -> dict[str, Any]:
        context: dict[str, Any] = {"library": dict(LIBRARY)}
        message: dict[str, Any] = {
            "type": kind,
            "messageId": self.new_id(),
            "timestamp": iso(at),
        }
        if device is None:  # server-side (email tool, social listening)
            message["userId"] = self.person.user_id
            message["channel"] = "server"
        else:
            message["anonymousId"] = device.anonymous_id
            if device.identified:
                message["userId"] = self.person.user_id
            message["channel"] = "browser"
            context["userAgent"] = device.user_agent
            context["locale"] = "ja-JP" if self.person.locale == "ja" else "en-US"
            context["timezone"] = self.person.timezone
        extra_context = fields.pop("context", None)
        if extra_context:
            context.update(extra_context)
        message["context"] = context
        message.update(fields)
        self.out.append(message)
        return message


def product_props(product: DemoProduct, locale: str, quantity: int = 1) -> dict[str, Any]:
    return {
        "product_id": product.external_id,
        "sku": product.external_id.upper(),
        "name": product.title(locale),
        "brand": product.artist_ja if locale == "ja" else product.artist_en,
        "category": product.category.en,
        "price": float(product.price),
        "currency": CURRENCY,
        "quantity": quantity,
        "url": product.url(),
    }


@dataclass
class Session:
    """One visit to the shop: a session id, a clock that moves forward, a device."""

    em: Emitter
    device: Device
    at: datetime
    campaign: dict[str, str] | None = None
    session_id: str = ""
    pages: int = 0

    def __post_init__(self) -> None:
        self.session_id = self.em.new_id()[:18]

    def tick(self, low: int = 8, high: int = 150) -> datetime:
        self.at += timedelta(
            seconds=self.em.rng.randint(low, high), milliseconds=self.em.rng.randrange(1000)
        )
        return self.at

    def _context(self, path: str, title: str, referrer: str) -> dict[str, Any]:
        ctx: dict[str, Any] = {
            "session_id": self.session_id,
            "page": {"path": path, "url": SHOP + path, "title": title, "referrer": referrer},
        }
        if self.campaign:
            ctx["campaign"] = dict(self.campaign)
        return ctx

    def referrer(self) -> str:
        if self.pages:
            return SHOP + "/"
        if self.campaign:
            return ""
        return self.em.rng.choice(_REFERRERS)

    def page(self, name: str, path: str, title: str) -> None:
        referrer = self.referrer()
        self.em.emit(
            "page",
            self.tick(),
            device=self.device,
            name=name,
            properties={
                "path": path,
                "url": SHOP + path,
                "title": title,
                "referrer": referrer,
                "session_id": self.session_id,
            },
            context=self._context(path, title, referrer),
        )
        self.pages += 1

    def track(self, event: str, properties: dict[str, Any], path: str = "/") -> None:
        self.em.emit(
            "track",
            self.tick(3, 40),
            device=self.device,
            event=event,
            properties={**properties, "session_id": self.session_id},
            context=self._context(path, event, SHOP + "/"),
        )

    def identify(self) -> None:
        """Log in (or sign up): from here on this device's events carry the userId."""
        em = self.em
        first = not em.signed_up
        self.device.identified = True
        em.signed_up = True
        em.emit(
            "identify",
            self.tick(5, 30),
            device=self.device,
            traits=dict(em.person.traits),
            context=self._context("/account/login", "Login", SHOP + "/"),
        )
        self.track(
            "Signed Up" if first else "Signed In",
            {"method": "email"} if first else {"method": "password"},
            "/account/login",
        )

    def search_and_view(self, products: list[DemoProduct], locale: str, views: int) -> None:
        rng = self.em.rng
        self.page("Home", "/", "CD Shop" if locale == "en" else "CDショップ")
        first = products[0]
        query = rng.choice(
            (
                first.category.ja if locale == "ja" else first.category.en,
                first.artist_ja if locale == "ja" else first.artist_en,
            )
        )
        self.track("Products Searched", {"query": query}, "/search")
        self.page("Search", f"/search?q={query}", query)
        for i in range(views):
            product = products[i % len(products)]
            path = f"/products/{product.external_id}"
            self.page("Product", path, product.title(locale))
            self.track("Product Viewed", product_props(product, locale), path)
