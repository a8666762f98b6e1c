"""Feedback around one demo person's orders: NPS and CSAT answers, reviews, referrals.

- about a week after a quarter of the orders, a post-purchase NPS survey is answered
  (``Survey Responded``, survey_type ``nps``). Repeat buyers are more often promoters,
  one-time buyers more often passives or detractors; overall the demo's NPS lands around
  +10..+30. Some answers carry a short comment in the person's language;
- shortly after some checkouts, a one-question CSAT (1–5);
- some orders get a product review (``Review Submitted``, rating 1–5) a few weeks later;
- some promoters send a referral (``Referral Sent``) soon after answering.

Everything is drawn from the person's ``rng`` (called last in ``person_activity``, so the
other demo events are unchanged) and nothing is emitted at or after ``limit``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from kizuna.commerce.contracts import OrderRecord
from kizuna.demo.messages import Emitter

NPS_SURVEY = "post-purchase-nps"
CSAT_SURVEY = "checkout-csat"
NPS_SHARE = 0.25
CSAT_SHARE = 0.10
REVIEW_SHARE = 0.08
REFERRAL_SHARE = 0.25  # of promoters' answers

# P(promoter), P(passive); the rest are detractors.
_REPEAT = (0.46, 0.34)
_ONE_TIME = (0.25, 0.38)
_DETRACTOR_SCORES = (0, 1, 2, 3, 4, 5, 6)
_DETRACTOR_WEIGHTS = (1, 1, 1, 2, 3, 5, 7)
_CSAT_WEIGHTS = (3, 5, 12, 40, 40)
_RATING_WEIGHTS = (4, 6, 12, 30, 48)

_NPS_COMMENTS = {
    ("ja", "promoter"): (
        "品揃えが良く、いつも欲しいCDが見つかります",
        "配送が早くて助かりました",
        "友人にも勧めたいお店です",
    ),
    ("ja", "passive"): ("概ね満足です", "送料がもう少し安いと嬉しいです", "普通に良かったです"),
    ("ja", "detractor"): (
        "届くまでに時間がかかりました",
        "ケースが割れていました",
        "サイトが使いにくいです",
    ),
    ("en", "promoter"): (
        "Great selection, I always find what I want",
        "Fast delivery, thank you!",
        "Already recommended you to friends",
    ),
    ("en", "passive"): ("Fine overall", "Shipping could be cheaper", "Good, nothing special"),
    ("en", "detractor"): (
        "Delivery took far too long",
        "The case arrived cracked",
        "The website is hard to use",
    ),
}
_REVIEWS = {
    "ja": {
        "good": ("最高のアルバムです", "音質が素晴らしい", "何度も聴いています"),
        "mixed": ("悪くないです", "好みが分かれそう"),
        "bad": ("期待外れでした", "音が今ひとつ"),
    },
    "en": {
        "good": ("A brilliant album", "Superb sound quality", "On repeat all week"),
        "mixed": ("Not bad", "A bit of an acquired taste"),
        "bad": ("Disappointing", "The mastering is poor"),
    },
}
_REFERRAL_CHANNELS = {"ja": ("line", "email", "x"), "en": ("email", "whatsapp", "facebook")}


def emit_feedback(
    em: Emitter,
    placed: Sequence[tuple[datetime, OrderRecord]],
    limit: datetime,
) -> None:
    """Append this person's feedback events (see the module docstring) to the emitter."""
    rng, locale = em.rng, em.person.locale
    promoter_p, passive_p = _REPEAT if len(placed) > 1 else _ONE_TIME
    for at, record in placed:
        if rng.random() < CSAT_SHARE:
            answered = at + timedelta(minutes=rng.uniform(2, 90))
            if answered < limit:
                score = rng.choices(range(1, 6), weights=_CSAT_WEIGHTS)[0]
                em.emit(
                    "track",
                    answered,
                    device=None,
                    event="Survey Responded",
                    properties={"survey_id": CSAT_SURVEY, "survey_type": "csat", "score": score},
                )
        if rng.random() < NPS_SHARE:
            answered = at + timedelta(days=rng.uniform(6, 8), hours=rng.uniform(0, 12))
            draw = rng.random()
            if draw < promoter_p:
                group, score = "promoter", rng.choice((9, 10, 10))
            elif draw < promoter_p + passive_p:
                group, score = "passive", rng.choice((7, 8, 8))
            else:
                group = "detractor"
                score = rng.choices(_DETRACTOR_SCORES, weights=_DETRACTOR_WEIGHTS)[0]
            props: dict[str, Any] = {"survey_id": NPS_SURVEY, "survey_type": "nps", "score": score}
            if rng.random() < 0.35:
                props["comment"] = rng.choice(_NPS_COMMENTS[(locale, group)])
            referral = group == "promoter" and rng.random() < REFERRAL_SHARE
            sent = answered + timedelta(hours=rng.uniform(1, 72))
            if answered < limit:
                em.emit("track", answered, device=None, event="Survey Responded", properties=props)
                if referral and sent < limit:
                    em.emit(
                        "track",
                        sent,
                        device=None,
                        event="Referral Sent",
                        properties={
                            "referral_code": f"REF-{em.new_id()[:8].upper()}",
                            "channel": rng.choice(_REFERRAL_CHANNELS[locale]),
                            "survey_id": NPS_SURVEY,
                        },
                    )
        if rng.random() < REVIEW_SHARE and record.lines:
            line = rng.choice(record.lines)
            reviewed = at + timedelta(days=rng.uniform(10, 35))
            rating = rng.choices(range(1, 6), weights=_RATING_WEIGHTS)[0]
            tone = "good" if rating >= 4 else "mixed" if rating == 3 else "bad"
            if reviewed < limit:
                em.emit(
                    "track",
                    reviewed,
                    device=None,
                    event="Review Submitted",
                    properties={
                        "review_id": em.new_id()[:12],
                        "product_id": line.product_external_id,
                        "rating": rating,
                        "text": rng.choice(_REVIEWS[locale][tone]),
                    },
                )
