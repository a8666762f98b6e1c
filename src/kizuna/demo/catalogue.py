"""A fictional music catalogue (CDNOW sold CDs), named in Japanese and English.

Every artist and album here is invented. Prices are in USD, like CDNOW's order amounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kizuna.commerce.contracts import ProductUpsert

CURRENCY = "USD"


@dataclass(frozen=True, slots=True, kw_only=True)
class Category:
    slug: str
    ja: str
    en: str
    japanese_origin: bool
    involvement: str  # "high" (compare a lot before buying) or "low"


CATEGORIES: tuple[Category, ...] = (
    Category(slug="j-pop", ja="J-POP", en="J-Pop", japanese_origin=True, involvement="low"),
    Category(slug="rock", ja="ロック", en="Rock", japanese_origin=False, involvement="low"),
    Category(slug="jazz", ja="ジャズ", en="Jazz", japanese_origin=False, involvement="high"),
    Category(
        slug="classical", ja="クラシック", en="Classical", japanese_origin=False, involvement="high"
    ),
    Category(
        slug="anime",
        ja="アニメ・サウンドトラック",
        en="Anime Soundtracks",
        japanese_origin=True,
        involvement="low",
    ),
    Category(
        slug="city-pop", ja="シティポップ", en="City Pop", japanese_origin=True, involvement="high"
    ),
    Category(slug="enka", ja="演歌", en="Enka", japanese_origin=True, involvement="low"),
    Category(
        slug="hip-hop", ja="ヒップホップ", en="Hip-Hop", japanese_origin=False, involvement="low"
    ),
    Category(
        slug="electronic",
        ja="エレクトロニカ",
        en="Electronic",
        japanese_origin=False,
        involvement="high",
    ),
    Category(
        slug="world",
        ja="ワールドミュージック",
        en="World Music",
        japanese_origin=False,
        involvement="high",
    ),
)

# (artist ja, artist en, title ja, title en, price)
_ALBUMS: dict[str, tuple[tuple[str, str, str, str, str], ...]] = {
    "j-pop": (
        ("さくらドロップス", "Sakura Drops", "春風メモリーズ", "Spring Breeze Memories", "16.99"),
        ("星野ミカ", "Mika Hoshino", "キラキラ・ハイウェイ", "Sparkle Highway", "15.99"),
        ("ネオン少女", "Neon Shoujo", "真夜中のソーダ", "Midnight Soda", "14.99"),
        ("青空オーケストラ", "Aozora Orchestra", "はじまりの歌", "Song of Beginnings", "17.49"),
        ("みずいろ", "Mizuiro", "ひまわり通信", "Sunflower Letters", "13.99"),
        ("TOKYO LIGHTS", "Tokyo Lights", "東京ナイトドライブ", "Tokyo Night Drive", "16.49"),
        ("星野ミカ", "Mika Hoshino", "ベスト・オブ・ミカ", "The Best of Mika", "22.99"),
        ("さくらドロップス", "Sakura Drops", "夏色ダイアリー", "Summer Diary", "15.49"),
    ),
    "rock": (
        (
            "ザ・ロング・ロード",
            "The Long Road",
            "ハイウェイの終わり",
            "End of the Highway",
            "14.99",
        ),
        ("アイアン・ハーバー", "Iron Harbor", "嵐の前", "Before the Storm", "13.99"),
        ("グラス・カナリーズ", "Glass Canaries", "壊れた時計", "Broken Clocks", "15.49"),
        (
            "ザ・ミッドナイト・ヴァンズ",
            "The Midnight Vans",
            "ガレージ・ライブ",
            "Live from the Garage",
            "18.99",
        ),
        ("ルビー・ストーン", "Ruby Stone", "赤い砂漠", "Red Desert", "12.99"),
        ("アイアン・ハーバー", "Iron Harbor", "灯台", "Lighthouse", "14.49"),
        ("雷鳴", "Raimei", "轟", "Thunderclap", "15.99"),
    ),
    "jazz": (
        ("ケンジ・ムラタ・トリオ", "Kenji Murata Trio", "青い午後", "Blue Afternoon", "17.99"),
        (
            "エラ・モンロー",
            "Ella Monroe",
            "ムーンライト・セッションズ",
            "Moonlight Sessions",
            "16.99",
        ),
        ("サム・ブルックス・カルテット", "Sam Brooks Quartet", "52番街", "52nd Street", "18.49"),
        ("エラ・モンロー", "Ella Monroe", "ヴィレッジ・ライブ", "Live at the Village", "21.99"),
        ("ユキ・タナベ", "Yuki Tanabe", "雨の銀座", "Rain in Ginza", "17.49"),
        ("ザ・ノース・ビーチ・セクステット", "North Beach Sextet", "霧の港", "Harbor Fog", "16.49"),
    ),
    "classical": (
        (
            "東京フィルハーモニア",
            "Tokyo Philharmonia",
            "ベートーヴェン 交響曲第7番",
            "Beethoven: Symphony No. 7",
            "19.99",
        ),
        (
            "アンナ・ヴァイス",
            "Anna Weiss",
            "バッハ 無伴奏チェロ組曲",
            "Bach: Cello Suites",
            "24.99",
        ),
        (
            "ロンドン室内管弦楽団",
            "London Chamber Orchestra",
            "モーツァルト 名曲集",
            "Mozart Favourites",
            "15.99",
        ),
        ("佐伯 礼子", "Reiko Saeki", "ショパン ノクターン全集", "Chopin: Nocturnes", "22.49"),
        (
            "ウィーン弦楽四重奏団",
            "Vienna String Quartet",
            "シューベルト 死と乙女",
            "Schubert: Death and the Maiden",
            "18.99",
        ),
        (
            "東京フィルハーモニア",
            "Tokyo Philharmonia",
            "ドヴォルザーク 新世界より",
            "Dvořák: From the New World",
            "17.99",
        ),
    ),
    "anime": (
        (
            "スタジオ・ホシゾラ",
            "Studio Hoshizora",
            "空の王国 オリジナル・サウンドトラック",
            "Kingdom in the Sky OST",
            "24.99",
        ),
        (
            "メカ・ブレイバーズ",
            "Mecha Bravers",
            "機動戦線ゼロ 主題歌集",
            "Front Line Zero Theme Songs",
            "18.99",
        ),
        (
            "久保 ハルカ",
            "Haruka Kubo",
            "魔法少女リリカ サウンドトラック",
            "Magical Girl Lyrica OST",
            "21.49",
        ),
        (
            "スタジオ・ホシゾラ",
            "Studio Hoshizora",
            "森のともだち 音楽集",
            "Friends of the Forest Music",
            "19.99",
        ),
        (
            "ギャラクシー・エコー",
            "Galaxy Echo",
            "宇宙海賊キャプテン・ノヴァ",
            "Space Pirate Captain Nova",
            "17.99",
        ),
        ("久保 ハルカ", "Haruka Kubo", "放課後ラジオ", "After-School Radio", "15.99"),
    ),
    "city-pop": (
        ("湘南サンセット", "Shonan Sunset", "真夏のリゾート", "Midsummer Resort", "18.99"),
        ("山下 ユウ", "Yu Yamashita", "プラスティック・ナイト", "Plastic Night", "19.49"),
        ("ハーバー・ライツ", "Harbor Lights", "夜間飛行", "Night Flight", "17.99"),
        ("竹野 マリ", "Mari Takeno", "ミッドナイト・ラブ・コール", "Midnight Love Call", "20.99"),
        ("湘南サンセット", "Shonan Sunset", "ウォーターフロント", "Waterfront", "16.99"),
    ),
    "enka": (
        ("北島 三郎太", "Saburota Kitajima", "北の港町", "Northern Harbor Town", "13.99"),
        ("石川 さゆみ", "Sayumi Ishikawa", "雪の峠", "Snowy Mountain Pass", "14.49"),
        ("五木 ひろし郎", "Hiroshiro Itsuki", "夜の盛り場", "Night Town", "12.99"),
        ("石川 さゆみ", "Sayumi Ishikawa", "演歌名曲選", "Enka Classics", "19.99"),
    ),
    "hip-hop": (
        ("MCスカイライン", "MC Skyline", "ブロック・パーティー", "Block Party", "14.99"),
        ("リリカル・ノーツ", "Lyrical Notes", "東海岸", "East Coast", "15.49"),
        ("DJ 風神", "DJ Fujin", "渋谷ビート", "Shibuya Beats", "13.99"),
        ("クラウン・シティ", "Crown City", "王冠", "The Crown", "16.99"),
        ("MCスカイライン", "MC Skyline", "屋上ミックステープ", "Rooftop Mixtape", "11.99"),
    ),
    "electronic": (
        ("パルス・ガーデン", "Pulse Garden", "シグナル", "Signals", "16.99"),
        ("ヨコハマ・モジュラー", "Yokohama Modular", "港の電子音", "Harbor Circuits", "17.49"),
        ("ノクターン・システムズ", "Nocturne Systems", "深夜三時", "3 A.M.", "15.99"),
        ("パルス・ガーデン", "Pulse Garden", "アンビエント・ルームズ", "Ambient Rooms", "18.99"),
        ("テクノ・ポリス", "Techno Polis", "ネオン都市", "Neon City", "14.99"),
    ),
    "world": (
        (
            "オキナワ・サンシン・アンサンブル",
            "Okinawa Sanshin Ensemble",
            "島唄",
            "Island Songs",
            "17.99",
        ),
        ("カルメン・ソラ", "Carmen Sola", "リスボンの灯", "Lights of Lisbon", "18.49"),
        ("サハラ・ウィンズ", "Sahara Winds", "砂の道", "Roads of Sand", "16.99"),
        ("リオ・ブリーズ", "Rio Breeze", "ボサノヴァの午後", "Bossa Nova Afternoon", "15.99"),
        ("ケルティック・ミスト", "Celtic Mist", "緑の丘", "Green Hills", "16.49"),
    ),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoProduct:
    external_id: str
    category: Category
    artist_ja: str
    artist_en: str
    title_ja: str
    title_en: str
    price: Decimal

    def title(self, locale: str) -> str:
        return self.title_ja if locale == "ja" else self.title_en

    def url(self) -> str:
        return f"https://shop.example.com/products/{self.external_id}"

    def to_upsert(self) -> ProductUpsert:
        origin_ja = self.category.japanese_origin
        return ProductUpsert(
            external_id=self.external_id,
            sku=self.external_id.upper(),
            name=self.title_ja if origin_ja else self.title_en,
            category=self.category.en,
            brand=self.artist_ja if origin_ja else self.artist_en,
            price=self.price,
            currency=CURRENCY,
            url=self.url(),
            attributes={
                "name_ja": self.title_ja,
                "name_en": self.title_en,
                "artist_ja": self.artist_ja,
                "artist_en": self.artist_en,
                "category_ja": self.category.ja,
                "category_en": self.category.en,
                "format": "CD",
                "involvement": self.category.involvement,
            },
        )


def build_catalogue() -> tuple[DemoProduct, ...]:
    products: list[DemoProduct] = []
    for category in CATEGORIES:
        for n, (artist_ja, artist_en, title_ja, title_en, price) in enumerate(
            _ALBUMS[category.slug], start=1
        ):
            products.append(
                DemoProduct(
                    external_id=f"cd-{category.slug}-{n:02d}",
                    category=category,
                    artist_ja=artist_ja,
                    artist_en=artist_en,
                    title_ja=title_ja,
                    title_en=title_en,
                    price=Decimal(price),
                )
            )
    return tuple(products)
