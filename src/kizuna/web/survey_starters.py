"""The templates a new survey starts from (dashboard "New survey" page).

Each starter is a JSON definition document (the format of ``surveys.api.parse_definition``,
documented in docs/reference/surveys.md) with the key left to the user. They are plain data:
the editor shows them as JSON and the domain validates them like any other definition.
"""

from __future__ import annotations

import copy
from typing import Any, Final

STARTERS: Final = ("nps_post_purchase", "csat", "ces", "enps", "custom")

_COMMENT: Final[dict[str, Any]] = {
    "id": "comment",
    "type": "free_text",
    "required": False,
    "prompt": {
        "ja": "そのように評価された理由を教えてください。",
        "en": "What is the main reason for your score?",
    },
    "max_length": 2000,
}

_DOCS: Final[dict[str, dict[str, Any]]] = {
    "nps_post_purchase": {
        "kind": "nps",
        "title": {"ja": "ご購入についてのアンケート", "en": "About your purchase"},
        "intro": {
            "ja": "ご購入ありがとうございました。1分ほどのアンケートにご協力ください。",
            "en": "Thank you for your order. This takes about a minute.",
        },
        "thanks": {
            "ja": "ご回答ありがとうございました。",
            "en": "Thank you for your answers.",
        },
        "questions": [
            {
                "id": "nps",
                "type": "nps",
                "required": True,
                "prompt": {
                    "ja": "このお店を友人や同僚にすすめる可能性はどのくらいありますか?",
                    "en": "How likely are you to recommend us to a friend or colleague?",
                },
            },
            _COMMENT,
        ],
        "hidden_fields": ["order_id", "product_id", "category"],
        "recontact_days": 90,
    },
    "csat": {
        "kind": "csat",
        "title": {"ja": "満足度アンケート", "en": "How did we do?"},
        "questions": [
            {
                "id": "csat",
                "type": "csat",
                "required": True,
                "prompt": {
                    "ja": "今回のご利用にどのくらい満足されましたか?",
                    "en": "How satisfied are you with your experience?",
                },
            },
            _COMMENT,
        ],
        "recontact_days": 30,
    },
    "ces": {
        "kind": "ces",
        "title": {"ja": "お手続きについてのアンケート", "en": "How easy was it?"},
        "questions": [
            {
                "id": "ces",
                "type": "ces",
                "required": True,
                "prompt": {
                    "ja": "お問い合わせを簡単に解決できた。",
                    "en": "The company made it easy for me to handle my issue.",
                },
            },
            _COMMENT,
        ],
        "recontact_days": 30,
    },
    "enps": {
        "kind": "enps",
        "anonymous": True,
        "title": {"ja": "従業員アンケート(無記名)", "en": "Employee survey (anonymous)"},
        "intro": {
            "ja": "このアンケートは無記名です。回答者が特定されることはありません。",
            "en": "This survey is anonymous: nobody can see who answered.",
        },
        "questions": [
            {
                "id": "enps",
                "type": "nps",
                "required": True,
                "prompt": {
                    "ja": "この職場を友人や知人にすすめる可能性はどのくらいありますか?",
                    "en": "How likely are you to recommend working here to a friend?",
                },
            },
            {
                "id": "comment",
                "type": "free_text",
                "required": False,
                "prompt": {
                    "ja": "改善してほしいことがあれば教えてください。",
                    "en": "What should we improve?",
                },
                "max_length": 2000,
            },
        ],
        "recontact_days": 180,
    },
    "custom": {
        "kind": "custom",
        "title": {"ja": "アンケート", "en": "Survey"},
        "questions": [
            {
                "id": "channel",
                "type": "single_choice",
                "required": True,
                "prompt": {
                    "ja": "私たちを何で知りましたか?",
                    "en": "How did you hear about us?",
                },
                "options": [
                    {"id": "search", "label": {"ja": "検索", "en": "Search"}},
                    {"id": "friend", "label": {"ja": "友人・知人", "en": "A friend"}},
                    {"id": "sns", "label": {"ja": "SNS", "en": "Social media"}},
                    {"id": "other", "label": {"ja": "その他", "en": "Other"}},
                ],
            },
            {
                "id": "other_detail",
                "type": "free_text",
                "required": False,
                "prompt": {"ja": "詳しく教えてください。", "en": "Tell us more."},
                "max_length": 500,
            },
        ],
        "rules": [
            {
                "after": "channel",
                "if": {"question": "channel", "op": "ne", "value": "other"},
                "goto": "end",
            }
        ],
        "recontact_days": 90,
    },
}


def starter_document(name: str, key: str) -> dict[str, Any]:
    """A fresh copy of starter ``name`` with ``key`` set; KeyError for an unknown name."""
    doc = copy.deepcopy(_DOCS[name])
    return {"key": key, **doc}
