"""Rules of the reviews domain: what a valid review is, and the rating statistics.

No I/O here: :func:`clean_review` turns what a customer sent into checked values (or raises
``ReviewInvalid`` listing every bad field), :func:`summarise` computes a product's rating.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from scipy.stats import t as student_t

from kizuna.reviews.contracts import (
    MAX_BODY,
    MAX_PHOTO_URL,
    MAX_PHOTOS,
    MAX_PRODUCT_ID,
    MAX_TITLE,
    RatingSummary,
    RejectReason,
    ReviewInput,
)
from kizuna.reviews.errors import ReviewInvalid

_LOCALE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_URL_FORBIDDEN = re.compile(r"[\x00-\x20\x7f<>\"'\\`]")
MAX_NOTE = 2000


@dataclass(frozen=True, slots=True, kw_only=True)
class CleanReview:
    product_id: str
    rating: int
    title: str
    body: str
    photos: tuple[str, ...]
    locale: str | None


def _text(value: object, field: str, limit: int, errors: list[dict[str, str]],
          *, multiline: bool) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append({"field": field, "message": "must be text"})
        return ""
    if "\x00" in value:
        errors.append({"field": field, "message": "must not contain NUL characters"})
        return ""
    text = value.replace("\r\n", "\n").strip()
    if not multiline:
        text = " ".join(text.split())
    text = _CONTROL.sub("", text)
    if len(text) > limit:
        errors.append({"field": field,
                       "message": f"is {len(text)} characters long; the limit is {limit}"})
    return text


def parse_rating(value: object) -> int | None:
    """A whole number of stars 1..5 from an int, a whole float or a string; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not re.fullmatch(r"[0-9]{1,2}", value):
            return None
        value = int(value)
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    if isinstance(value, int) and 1 <= value <= 5:
        return value
    return None


def check_photo(url: str) -> str | None:
    """Why ``url`` is not acceptable as a photo link (None when it is)."""
    if len(url) > MAX_PHOTO_URL:
        return f"is {len(url)} characters long; the limit is {MAX_PHOTO_URL}"
    if _URL_FORBIDDEN.search(url):
        return "contains spaces, quotes or control characters"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "is not a valid URL"
    if parts.scheme.lower() != "https":
        return "must be an https:// URL"
    if not parts.hostname or "@" in parts.netloc:
        return "must name a host (and no user name or password)"
    return None


def _photos(value: object, errors: list[dict[str, str]]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list | tuple):
        errors.append({"field": "photos", "message": "must be a list of https:// URLs"})
        return ()
    links = [v.strip() if isinstance(v, str) else v for v in value]
    links = [v for v in links if v != ""]
    if len(links) > MAX_PHOTOS:
        errors.append({"field": "photos",
                       "message": f"has {len(links)} links; at most {MAX_PHOTOS} are allowed"})
        return ()
    out: list[str] = []
    for i, link in enumerate(links):
        if not isinstance(link, str):
            errors.append({"field": f"photos.{i}", "message": "must be a URL string"})
            continue
        problem = check_photo(link)
        if problem:
            errors.append({"field": f"photos.{i}", "message": problem})
        else:
            out.append(link)
    return tuple(out)


def clean_review(raw: ReviewInput) -> CleanReview:
    """Check every field of a submitted review; raise ``ReviewInvalid`` listing all problems."""
    errors: list[dict[str, str]] = []
    product_id = raw.product_id.strip() if isinstance(raw.product_id, str) else ""
    if not product_id:
        errors.append({"field": "product_id", "message": "is required"})
    elif len(product_id) > MAX_PRODUCT_ID or _CONTROL.search(product_id) or "\x00" in product_id:
        errors.append({"field": "product_id",
                       "message": f"must be at most {MAX_PRODUCT_ID} printable characters"})
    rating = parse_rating(raw.rating)
    if rating is None:
        errors.append({"field": "rating", "message": "must be a whole number from 1 to 5"})
    title = _text(raw.title, "title", MAX_TITLE, errors, multiline=False)
    body = _text(raw.body, "body", MAX_BODY, errors, multiline=True)
    photos = _photos(raw.photos, errors)
    locale: str | None = None
    if raw.locale not in (None, ""):
        if not isinstance(raw.locale, str) or not _LOCALE.match(raw.locale) \
                or len(raw.locale) > 16:
            errors.append({"field": "locale", "message": "must be a language tag such as ja or "
                                                         "en-US"})
        else:
            locale = raw.locale.replace("_", "-")
    if errors:
        raise ReviewInvalid(errors)
    assert rating is not None
    return CleanReview(product_id=product_id, rating=rating, title=title, body=body,
                       photos=photos, locale=locale)


def clean_reason(reason: object, note: object) -> tuple[RejectReason, str | None]:
    """A reject reason from the fixed list, and its note (required for ``other``)."""
    errors: list[dict[str, str]] = []
    try:
        code = RejectReason(str(reason))
    except ValueError:
        allowed = ", ".join(r.value for r in RejectReason)
        raise ReviewInvalid([{"field": "reason", "message": f"must be one of {allowed}"}]) \
            from None
    text = _text(note, "note", MAX_NOTE, errors, multiline=True) or None
    if code is RejectReason.OTHER and not text:
        errors.append({"field": "note", "message": "is required when the reason is 'other'"})
    if errors:
        raise ReviewInvalid(errors)
    return code, text


def summarise(product_id: str, counts: Iterable[tuple[int, bool, int]]) -> RatingSummary:
    """Mean rating with a 95 % Student-t interval, stars 1..5 counted, verified share.

    ``counts`` holds (rating, verified, number of reviews) groups."""
    distribution = {star: 0 for star in range(1, 6)}
    verified = 0
    for rating, is_verified, count in counts:
        distribution[rating] += count
        verified += count if is_verified else 0
    n = sum(distribution.values())
    if n == 0:
        return RatingSummary(product_id=product_id, n=0, average=None, ci_low=None,
                             ci_high=None, distribution=distribution, verified=0,
                             verified_share=None)
    mean = sum(star * count for star, count in distribution.items()) / n
    low = high = None
    if n >= 2:
        var = sum(count * (star - mean) ** 2 for star, count in distribution.items()) / (n - 1)
        half = float(student_t.ppf(0.975, n - 1)) * math.sqrt(var / n)
        low, high = max(1.0, mean - half), min(5.0, mean + half)
    return RatingSummary(product_id=product_id, n=n, average=mean, ci_low=low, ci_high=high,
                         distribution=distribution, verified=verified,
                         verified_share=verified / n)
