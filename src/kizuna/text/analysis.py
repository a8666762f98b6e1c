"""One comment → :class:`CommentAnalysis` (language, sentiment, label, key phrases)."""

from __future__ import annotations

import logging
import re

from kizuna.text import en, ja
from kizuna.text.contracts import CommentAnalysis
from kizuna.text.lang import language_for

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

MAX_CHARS = 5000
"""Only the first 5,000 characters of a comment are analysed (the rest is ignored)."""

# Label thresholds, chosen on the development half of the evaluation sets only.
THRESHOLDS = {"ja": 0.15, "en": 0.2}


def label_for(score: float, language: str) -> str:
    t = THRESHOLDS.get(language, 0.2)
    if score >= t:
        return "positive"
    if score <= -t:
        return "negative"
    return "neutral"


def clean(text: object) -> str:
    """A safe string to analyse: str only, NULs and other control characters removed, truncated."""
    if not isinstance(text, str):
        return ""
    text = _CONTROL.sub(" ", text[:MAX_CHARS])
    # lone surrogates cannot be encoded for the tokenizer
    return text.encode("utf-8", "replace").decode("utf-8")


def _neutral(language: str) -> CommentAnalysis:
    return CommentAnalysis(
        language=language, sentiment=0.0, label="neutral", key_phrases=(), tokens=0
    )


def analyse(text: object, locale: str | None = None) -> CommentAnalysis:
    """Analyse one comment; never raises (an unexpected failure is logged, result neutral)."""
    s = clean(text)
    language = language_for(s, locale if isinstance(locale, str) else None)
    if not s.strip():
        return _neutral(language)
    try:
        if language == "ja":
            morphs = ja.tokenize(s)
            score = ja.sentiment(morphs)
            phrases = ja.key_phrases(morphs)
            ntok = sum(1 for m in morphs if m.pos0 not in ("補助記号", "空白"))
        else:
            score = en.sentiment(s)
            phrases = en.key_phrases(s)
            ntok = len(en.words(s))
    except Exception:
        log.warning("text analysis failed; treating the comment as neutral", exc_info=True)
        return _neutral(language)
    score = max(-1.0, min(1.0, float(score)))
    return CommentAnalysis(
        language=language,
        sentiment=round(score, 4),
        label=label_for(score, language),
        key_phrases=phrases,
        tokens=ntok,
    )
