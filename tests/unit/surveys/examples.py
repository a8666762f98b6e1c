"""Survey definitions the surveys tests share (the documented example is ``NPS_DOC``)."""

from __future__ import annotations

import copy
from typing import Any

NPS_DOC: dict[str, Any] = {
    "key": "post-purchase-nps",
    "kind": "nps",
    "default_locale": "ja",
    "title": {"ja": "ご購入後アンケート", "en": "After your purchase"},
    "intro": {"ja": "1分で終わります。", "en": "It takes one minute."},
    "thanks": {"ja": "ご回答ありがとうございました。", "en": "Thank you for your answer."},
    "hidden_fields": ["order_id", "product_id", "category"],
    "recontact_days": 30,
    "allowed_embed_origins": ["https://shop.example"],
    "questions": [
        {"id": "nps", "type": "nps",
         "prompt": {"ja": "友人や同僚に当店をすすめる可能性はどのくらいありますか？",
                    "en": "How likely are you to recommend us to a friend or colleague?"},
         "min_label": {"ja": "まったくない", "en": "Not at all likely"},
         "max_label": {"ja": "非常に高い", "en": "Extremely likely"}},
        {"id": "reason", "type": "single_choice", "required": False,
         "prompt": {"ja": "一番の理由は？", "en": "What is the main reason?"},
         "options": [{"id": "price", "label": {"ja": "価格", "en": "Price"}},
                     {"id": "quality", "label": {"ja": "品質", "en": "Quality"}},
                     {"id": "delivery", "label": {"ja": "配送", "en": "Delivery"}}]},
        {"id": "improve", "type": "free_text", "required": False, "max_length": 2000,
         "prompt": {"ja": "改善してほしい点を教えてください。",
                    "en": "What should we improve?"}},
        {"id": "praise", "type": "free_text", "required": False,
         "prompt": {"ja": "気に入った点を教えてください。", "en": "What did you like?"}},
    ],
    "rules": [
        {"after": "nps", "if": {"question": "nps", "op": "gte", "value": 9}, "goto": "praise"},
        {"after": "improve", "goto": "end"},
    ],
}

ENPS_DOC: dict[str, Any] = {
    "key": "enps-2026",
    "kind": "enps",
    "title": {"ja": "従業員満足度調査", "en": "Employee survey"},
    "hidden_fields": ["department"],
    "questions": [
        {"id": "enps", "type": "nps",
         "prompt": {"ja": "この職場を友人にすすめますか？",
                    "en": "Would you recommend working here?"}},
        {"id": "comment", "type": "free_text", "required": False,
         "prompt": {"ja": "ご意見", "en": "Comments"}},
    ],
}


def doc(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(base)
    out.update(changes)
    return out
