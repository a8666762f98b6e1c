"""The badge rules: each badge is awarded once per member (see ``run`` for when)."""

from __future__ import annotations

from kizuna.loyalty.contracts import BadgeRule

BADGES: tuple[BadgeRule, ...] = (
    BadgeRule(key="first_order", name_ja="はじめてのお買い物", name_en="First order",
              description_ja="会員としてはじめて注文しました。",
              description_en="Placed a first order as a member."),
    BadgeRule(key="five_orders", name_ja="常連さん", name_en="Regular",
              description_ja="会員として5回注文しました。",
              description_en="Placed five orders as a member."),
    BadgeRule(key="first_review", name_ja="はじめてのレビュー", name_en="First review",
              description_ja="レビューがはじめて公開されました。",
              description_en="A first review was published."),
    BadgeRule(key="survey_voice", name_ja="お客様の声", name_en="Survey voice",
              description_ja="アンケートにはじめて回答しました。",
              description_en="Answered a first survey."),
    BadgeRule(key="idea_shipped", name_ja="アイデアが実現", name_en="Idea shipped",
              description_ja="投稿したアイデアが実現しました。",
              description_en="An idea you posted has shipped."),
    BadgeRule(key="referrer", name_ja="紹介者", name_en="Referrer",
              description_ja="友だちを紹介しました。",
              description_en="Referred a friend who joined."),
    BadgeRule(key="gold_member", name_ja="最上位ランク", name_en="Top tier",
              description_ja="最上位のランクに到達しました。",
              description_en="Reached the programme's top tier."),
)

BADGES_BY_KEY: dict[str, BadgeRule] = {b.key: b for b in BADGES}
