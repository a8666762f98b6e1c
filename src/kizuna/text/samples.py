"""Synthetic but realistic feedback, recombined from hand-written phrases (tests, benchmarks, demo).

Six topics — delivery, price, quality/damage, website usability, staff/support, product
selection — each with positive and negative phrases in Japanese and English. Written for
kizuna (Apache-2.0). Not used for the accuracy figures (those use ``data/eval_*.tsv``).
"""

from __future__ import annotations

import random

TOPICS = ("delivery", "price", "quality", "website", "support", "selection")

PHRASES: dict[str, dict[str, tuple[list[str], list[str]]]] = {
    "ja": {
        "delivery": (
            [
                "注文の翌日に届きました",
                "配送がとても早くて助かりました",
                "発送が迅速でした",
                "指定した時間通りに配達されました",
                "梱包も丁寧で配送も早かったです",
            ],
            [
                "配送が遅すぎます",
                "届くまで一週間以上かかりました",
                "配達予定日を過ぎても届きません",
                "発送の連絡が遅かったです",
                "配送の遅延が何度もありました",
            ],
        ),
        "price": (
            [
                "値段が安くて満足です",
                "この価格でこの品質ならお得です",
                "送料無料なのが嬉しい",
                "セール価格で買えて良かった",
                "他店より価格が手頃です",
            ],
            [
                "値段が高すぎます",
                "送料が高いのが不満です",
                "価格に見合わないと思います",
                "値上げされて割高になった",
                "手数料が高くて残念です",
            ],
        ),
        "quality": (
            [
                "商品の品質がとても良いです",
                "作りがしっかりしていて丈夫です",
                "素材の質感が素晴らしい",
                "長く使えそうな品質です",
                "写真通りの綺麗な商品でした",
            ],
            [
                "商品が割れて届きました",
                "箱が潰れていて中身が壊れていました",
                "届いた商品に傷がありました",
                "すぐに壊れてしまいました",
                "初期不良で動きませんでした",
            ],
        ),
        "website": (
            [
                "サイトが見やすくて使いやすいです",
                "アプリで簡単に注文できました",
                "検索機能が便利です",
                "注文手続きがスムーズでした",
                "サイトのデザインが分かりやすい",
            ],
            [
                "サイトが使いにくいです",
                "アプリがすぐにフリーズします",
                "ログインできないことが多い",
                "注文画面が分かりにくい",
                "検索しても商品が見つからない",
            ],
        ),
        "support": (
            [
                "スタッフの対応が丁寧でした",
                "問い合わせにすぐ返信をもらえました",
                "店員さんが親切でした",
                "サポートの方が親身に対応してくれました",
                "電話対応がとても感じが良かった",
            ],
            [
                "問い合わせの返信がありません",
                "スタッフの態度が横柄でした",
                "店員の対応が悪かった",
                "電話がつながらず困りました",
                "サポートにたらい回しにされました",
            ],
        ),
        "selection": (
            [
                "品揃えが豊富で選ぶのが楽しい",
                "欲しい商品がすぐ見つかります",
                "種類が多くて助かります",
                "新商品の入荷が早いです",
                "品揃えが充実しています",
            ],
            [
                "品揃えが少ないです",
                "欲しい商品がいつも在庫切れです",
                "種類が少なくて選べません",
                "人気商品がすぐ売り切れる",
                "サイズの展開が少ない",
            ],
        ),
    },
    "en": {
        "delivery": (
            [
                "delivery was super fast",
                "the parcel arrived the next day",
                "shipping was quick",
                "my order arrived right on time",
                "fast delivery and careful packing",
            ],
            [
                "delivery took over a week",
                "the parcel arrived late again",
                "shipping is far too slow",
                "my order still has not arrived",
                "the courier missed the delivery window",
            ],
        ),
        "price": (
            [
                "great prices",
                "the price is very reasonable",
                "free shipping is a nice bonus",
                "good value for money",
                "the sale prices were excellent",
            ],
            [
                "prices are too high",
                "shipping costs are ridiculous",
                "overpriced for what you get",
                "the price went up again",
                "fees are far too expensive",
            ],
        ),
        "quality": (
            [
                "the product quality is excellent",
                "very sturdy and well made",
                "the material feels premium",
                "build quality is great",
                "it looks exactly like the photos",
            ],
            [
                "the item arrived damaged",
                "the box was crushed and the glass was broken",
                "it broke after two days",
                "the product was defective",
                "it arrived scratched and dented",
            ],
        ),
        "website": (
            [
                "the website is easy to use",
                "the app makes ordering simple",
                "checkout was smooth",
                "search on the site works well",
                "the site is clear and intuitive",
            ],
            [
                "the website is confusing",
                "the app keeps crashing at checkout",
                "I could not log in to my account",
                "the checkout page is clunky",
                "site search never finds anything",
            ],
        ),
        "support": (
            [
                "customer service was very helpful",
                "the support agent solved my problem quickly",
                "staff were friendly and polite",
                "support replied within an hour",
                "the store staff were lovely",
            ],
            [
                "customer service never replied",
                "the support agent was rude",
                "staff were unhelpful",
                "I was passed around by support for days",
                "nobody answers the support phone line",
            ],
        ),
        "selection": (
            [
                "great selection of products",
                "a wide range of sizes and colours",
                "lots of choice in the store",
                "new products come in often",
                "they stock everything I need",
            ],
            [
                "the product range is very limited",
                "items I want are always out of stock",
                "not enough choice in sizes",
                "the selection is poor",
                "popular products sell out immediately",
            ],
        ),
    },
}

_JOIN = {"ja": ("。", "が、", "けど、"), "en": (". ", ", but ", ". Also, ")}


def comment(rng: random.Random, language: str, topic: str, positive: bool) -> str:
    """One comment about ``topic``: one or two phrases of the given polarity."""
    pos, neg = PHRASES[language][topic]
    pool = pos if positive else neg
    first = rng.choice(pool)
    if rng.random() < 0.4:
        second = rng.choice(pool)
        if second != first:
            sep = "。" if language == "ja" else ". "
            first = first + sep + second
    if language == "en":
        first = first[0].upper() + first[1:] + rng.choice([".", "!", ""])
    else:
        first += rng.choice(["。", "！", ""])
    return first


def corpus(
    n: int, language: str, topics: tuple[str, ...] = TOPICS, seed: int = 0
) -> tuple[list[str], list[str], list[bool]]:
    """``n`` comments: (texts, topic of each, polarity of each)."""
    rng = random.Random(seed)
    texts: list[str] = []
    labels: list[str] = []
    pols: list[bool] = []
    for _ in range(n):
        topic = rng.choice(topics)
        positive = rng.random() < 0.5
        texts.append(comment(rng, language, topic, positive))
        labels.append(topic)
        pols.append(positive)
    return texts, labels, pols
