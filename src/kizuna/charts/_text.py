"""Text for SVG/HTML: XML-safe escaping, rough width estimates and truncation with an ellipsis."""

from __future__ import annotations

import re
import unicodedata

from markupsafe import escape

# Characters XML 1.0 forbids (C0 controls except tab/newline/CR, surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
ELLIPSIS = "…"


def xml_safe(text: str) -> str:
    """``text`` without the characters that would make the document ill-formed."""
    return _NOT_XML.sub("", str(text))


def esc(text: str) -> str:
    """Escaped for element content and double- or single-quoted attribute values."""
    return str(escape(xml_safe(text)))


def _char_width(ch: str) -> float:
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    if unicodedata.combining(ch):
        return 0.0
    if ch in "il.,:;'|!" or ch == " ":
        return 0.32
    if ch.isupper() or ch in "mwMW%@":
        return 0.72
    return 0.58


def text_width(text: str, font_size: float) -> float:
    """Estimated rendered width in user units (no font metrics on the server: a safe guess)."""
    return sum(_char_width(ch) for ch in text) * font_size


def fit(text: str, max_width: float, font_size: float) -> tuple[str, bool]:
    """``text`` shortened with an ellipsis to fit ``max_width``; ``True`` when shortened."""
    text = xml_safe(text)
    if text_width(text, font_size) <= max_width:
        return text, False
    budget = max_width - text_width(ELLIPSIS, font_size)
    used = 0.0
    out: list[str] = []
    for ch in text:
        used += _char_width(ch) * font_size
        if used > budget:
            break
        out.append(ch)
    return "".join(out).rstrip() + ELLIPSIS, True
