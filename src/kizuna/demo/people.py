"""Invented customer profiles: about half Japanese, half English-speaking.

Names, phone numbers and addresses are generated; the phone numbers use ranges set aside
for fiction where the country has one (UK 07700 900xxx, US 555-01xx, AU 0491 570 xxx).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from kizuna.profiles.contracts import CustomerUpsert

# (kanji, kana, romaji)
_JA_SURNAMES = (
    ("佐藤", "サトウ", "sato"),
    ("鈴木", "スズキ", "suzuki"),
    ("高橋", "タカハシ", "takahashi"),
    ("田中", "タナカ", "tanaka"),
    ("伊藤", "イトウ", "ito"),
    ("渡辺", "ワタナベ", "watanabe"),
    ("山本", "ヤマモト", "yamamoto"),
    ("中村", "ナカムラ", "nakamura"),
    ("小林", "コバヤシ", "kobayashi"),
    ("加藤", "カトウ", "kato"),
    ("吉田", "ヨシダ", "yoshida"),
    ("山田", "ヤマダ", "yamada"),
    ("佐々木", "ササキ", "sasaki"),
    ("山口", "ヤマグチ", "yamaguchi"),
    ("松本", "マツモト", "matsumoto"),
    ("井上", "イノウエ", "inoue"),
    ("木村", "キムラ", "kimura"),
    ("林", "ハヤシ", "hayashi"),
    ("清水", "シミズ", "shimizu"),
    ("森", "モリ", "mori"),
    ("池田", "イケダ", "ikeda"),
    ("橋本", "ハシモト", "hashimoto"),
    ("石川", "イシカワ", "ishikawa"),
    ("前田", "マエダ", "maeda"),
    ("藤田", "フジタ", "fujita"),
    ("岡田", "オカダ", "okada"),
)
_JA_GIVEN = (
    ("花子", "ハナコ", "hanako", "female"),
    ("陽菜", "ヒナ", "hina", "female"),
    ("結衣", "ユイ", "yui", "female"),
    ("美咲", "ミサキ", "misaki", "female"),
    ("さくら", "サクラ", "sakura", "female"),
    ("葵", "アオイ", "aoi", "female"),
    ("恵子", "ケイコ", "keiko", "female"),
    ("由美", "ユミ", "yumi", "female"),
    ("真由美", "マユミ", "mayumi", "female"),
    ("明美", "アケミ", "akemi", "female"),
    ("太郎", "タロウ", "taro", "male"),
    ("翔太", "ショウタ", "shota", "male"),
    ("大輔", "ダイスケ", "daisuke", "male"),
    ("健一", "ケンイチ", "kenichi", "male"),
    ("拓也", "タクヤ", "takuya", "male"),
    ("蓮", "レン", "ren", "male"),
    ("誠", "マコト", "makoto", "male"),
    ("浩二", "コウジ", "koji", "male"),
    ("直樹", "ナオキ", "naoki", "male"),
    ("隆", "タカシ", "takashi", "male"),
)
# (prefecture, city, weight)
_PREFECTURES = (
    ("東京都", "世田谷区", 14),
    ("東京都", "新宿区", 6),
    ("神奈川県", "横浜市", 10),
    ("大阪府", "大阪市", 9),
    ("愛知県", "名古屋市", 7),
    ("埼玉県", "さいたま市", 6),
    ("千葉県", "千葉市", 5),
    ("兵庫県", "神戸市", 5),
    ("福岡県", "福岡市", 5),
    ("北海道", "札幌市", 5),
    ("京都府", "京都市", 4),
    ("宮城県", "仙台市", 3),
    ("広島県", "広島市", 3),
    ("静岡県", "静岡市", 3),
    ("沖縄県", "那覇市", 2),
)
_JA_DOMAINS = (
    ("gmail.com", 30),
    ("yahoo.co.jp", 20),
    ("docomo.ne.jp", 12),
    ("ezweb.ne.jp", 8),
    ("softbank.ne.jp", 6),
    ("icloud.com", 12),
    ("outlook.jp", 6),
    ("nifty.com", 3),
    ("ocn.ne.jp", 3),
)

_EN_FIRST = (
    ("Emma", "female"),
    ("Olivia", "female"),
    ("Sophie", "female"),
    ("Charlotte", "female"),
    ("Grace", "female"),
    ("Chloe", "female"),
    ("Emily", "female"),
    ("Hannah", "female"),
    ("Lucy", "female"),
    ("Mia", "female"),
    ("James", "male"),
    ("Oliver", "male"),
    ("William", "male"),
    ("Jack", "male"),
    ("Noah", "male"),
    ("Thomas", "male"),
    ("Daniel", "male"),
    ("Lucas", "male"),
    ("Henry", "male"),
    ("Samuel", "male"),
)
_EN_LAST = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Taylor",
    "Anderson",
    "Thomas",
    "Moore",
    "Martin",
    "Clarke",
    "Walker",
    "Wright",
    "Evans",
    "Hughes",
    "Murphy",
    "Kelly",
    "Campbell",
    "Robinson",
    "Cooper",
    "Ward",
    "Bennett",
    "Parker",
)
_EN_DOMAINS = (
    ("gmail.com", 40),
    ("outlook.com", 15),
    ("yahoo.com", 12),
    ("icloud.com", 15),
    ("hotmail.co.uk", 6),
    ("bigpond.com", 4),
    ("proton.me", 3),
    ("aol.com", 2),
)
# (country, region, city, time zone, weight)
_EN_PLACES = (
    ("US", "NY", "New York", "America/New_York", 14),
    ("US", "MA", "Boston", "America/New_York", 5),
    ("US", "IL", "Chicago", "America/Chicago", 7),
    ("US", "TX", "Austin", "America/Chicago", 5),
    ("US", "CA", "Los Angeles", "America/Los_Angeles", 10),
    ("US", "WA", "Seattle", "America/Los_Angeles", 5),
    ("GB", "England", "London", "Europe/London", 14),
    ("GB", "England", "Manchester", "Europe/London", 6),
    ("GB", "Scotland", "Edinburgh", "Europe/London", 3),
    ("AU", "NSW", "Sydney", "Australia/Sydney", 8),
    ("AU", "VIC", "Melbourne", "Australia/Melbourne", 7),
    ("AU", "QLD", "Brisbane", "Australia/Brisbane", 3),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoPerson:
    """A demo customer: who they are, and how they behave."""

    user_id: str
    locale: str  # "ja" | "en"
    timezone: str
    country: str
    email: str
    upsert: CustomerUpsert
    favourite_categories: tuple[str, ...]  # category slugs, most liked first
    social: bool  # posts about the shop on social networks
    traits: dict[str, Any] = field(default_factory=dict)  # identify traits, as a site sends them


def _weighted(rng: random.Random, items: tuple[tuple[Any, ...], ...]) -> tuple[Any, ...]:
    return rng.choices(items, weights=[item[-1] for item in items], k=1)[0]


def _birthday(rng: random.Random, today: date) -> date:
    age_days = int(rng.triangular(18, 72, 34) * 365.25)
    return today - timedelta(days=age_days + rng.randrange(365))


def make_person(
    rng: random.Random,
    cdnow_id: int,
    today: date,
    category_slugs: tuple[str, ...],
    japanese_slugs: frozenset[str],
) -> DemoPerson:
    user_id = f"cdnow-{cdnow_id:05d}"
    japanese = rng.random() < 0.5
    birthday = _birthday(rng, today)
    tag = rng.randrange(10, 99)
    if japanese:
        last, last_kana, last_romaji = rng.choice(_JA_SURNAMES)
        first, first_kana, first_romaji, gender = rng.choice(_JA_GIVEN)
        prefecture, city, _ = _weighted(rng, _PREFECTURES)
        domain = _weighted(rng, _JA_DOMAINS)[0]
        sep = rng.choice((".", "_", ""))
        email = f"{first_romaji}{sep}{last_romaji}{tag}@{domain}"
        phone = (
            f"+81 {rng.choice(('90', '80', '70'))}-{rng.randrange(1000, 9999)}-"
            f"{rng.randrange(1000, 9999)}"
        )
        locale, timezone, country = "ja", "Asia/Tokyo", "JP"
        full = f"{last} {first}"
        extra = {
            "first_name_kana": first_kana,
            "last_name_kana": last_kana,
            "name_kana": f"{last_kana} {first_kana}",
            "gender": gender,
            "address": {"country": "JP", "state": prefecture, "city": city},
        }
        liked = [s for s in category_slugs if s in japanese_slugs]
        others = [s for s in category_slugs if s not in japanese_slugs]
    else:
        first, gender = rng.choice(_EN_FIRST)
        last = rng.choice(_EN_LAST)
        country, region, city, timezone, _ = _weighted(rng, _EN_PLACES)
        domain = _weighted(rng, _EN_DOMAINS)[0]
        email = f"{first.lower()}.{last.lower()}{tag}@{domain}"
        phone = {
            "US": f"+1 {rng.choice(('212', '312', '415', '206', '512'))}-555-01"
            f"{rng.randrange(0, 100):02d}",
            "GB": f"+44 7700 900{rng.randrange(0, 1000):03d}",
            "AU": f"+61 491 570 {rng.randrange(0, 1000):03d}",
        }[country]
        locale = "en"
        full = f"{first} {last}"
        extra = {
            "gender": gender,
            "address": {"country": country, "state": region, "city": city},
        }
        liked = [s for s in category_slugs if s not in japanese_slugs]
        others = [s for s in category_slugs if s in japanese_slugs]
    rng.shuffle(liked)
    rng.shuffle(others)
    # Mostly their own culture's music, sometimes one category from the other.
    favourites = liked[: rng.randint(1, 3)]
    if rng.random() < 0.35:
        favourites.append(others[0])
    traits = {
        "email": email,
        "firstName": first,
        "lastName": last,
        "name": full,
        "phone": phone,
        "birthday": birthday.isoformat(),
        "timezone": timezone,
        "locale": locale,
        **extra,
        "favorite_genres": list(favourites),
        "source": "cdnow",
    }
    upsert = CustomerUpsert(
        external_id=user_id,
        email=email,
        phone=phone,
        first_name=first,
        last_name=last,
        name=full,
        birthday=birthday,
        timezone=timezone,
        locale=locale,
        country=country,
        traits={k: v for k, v in traits.items() if k not in _COLUMN_TRAITS},
    )
    return DemoPerson(
        user_id=user_id,
        locale=locale,
        timezone=timezone,
        country=country,
        email=email,
        upsert=upsert,
        favourite_categories=tuple(favourites),
        social=rng.random() < 0.22,
        traits=traits,
    )


_COLUMN_TRAITS = frozenset(
    {"email", "firstName", "lastName", "name", "phone", "birthday", "timezone", "locale"}
)
