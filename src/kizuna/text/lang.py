"""Language detection and locale handling (ja / en only)."""

from __future__ import annotations

import re

_JA = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")

LANGUAGES = ("ja", "en")


def detect_language(text: str) -> str:
    """Return ``"ja"`` if the text contains kana or kanji, else ``"en"``."""
    if not isinstance(text, str):
        return "en"
    return "ja" if _JA.search(text) else "en"


def language_for(text: str, locale: str | None) -> str:
    """The language to analyse ``text`` in: the locale's when it is ja/en, else detected.

    A Japanese locale on a text with no kana/kanji at all (e.g. a customer in Japan who
    wrote in English) falls back to detection, because Sudachi cannot help there.
    """
    if locale:
        code = locale.strip().lower().replace("_", "-").split("-", 1)[0]
        if code == "en":
            return "en"
        if code == "ja":
            return "ja" if _JA.search(text) else "en"
    return detect_language(text)
