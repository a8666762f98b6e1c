"""Rules of a valid review and the rating statistics (no I/O)."""

from __future__ import annotations

import statistics
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kizuna.reviews import logic
from kizuna.reviews.contracts import ReviewInput
from kizuna.reviews.errors import ReviewInvalid
from kizuna.web import i18n_reviews


def _fields(**values: object) -> set[str]:
    raw = ReviewInput(**{"product_id": "p-1", "rating": 4, **values})  # type: ignore[arg-type]
    with pytest.raises(ReviewInvalid) as exc:
        logic.clean_review(raw)
    return {e["field"] for e in exc.value.errors}


@given(st.integers(1, 5), st.text(max_size=150).filter(lambda s: "\x00" not in s),
       st.text(max_size=5000).filter(lambda s: "\x00" not in s))
def test_valid_reviews_are_accepted(rating: int, title: str, body: str) -> None:
    clean = logic.clean_review(ReviewInput(product_id=" p-1 ", rating=rating, title=title,
                                           body=body))
    assert clean.product_id == "p-1" and clean.rating == rating
    assert len(clean.title) <= 150 and len(clean.body) <= 5000
    assert "\n" not in clean.title


@given(st.one_of(st.integers().filter(lambda n: not 1 <= n <= 5),
                 st.floats().filter(lambda f: not (f.is_integer() and 1 <= f <= 5)),
                 st.booleans(), st.none(), st.text(alphabet=string.ascii_letters, max_size=3)))
def test_ratings_outside_whole_one_to_five_are_refused(rating: object) -> None:
    assert logic.parse_rating(rating) is None


def test_whole_ratings_in_other_shapes() -> None:
    assert [logic.parse_rating(v) for v in (1, 5.0, "3", " 4 ")] == [1, 5, 3, 4]
    assert _fields(rating=2.5) == {"rating"}
    assert _fields(rating="") == {"rating"}


def test_lengths_nul_and_types() -> None:
    assert _fields(title="x" * 151) == {"title"}
    assert _fields(body="x" * 5001) == {"body"}
    assert _fields(body="a\x00b") == {"body"}
    assert _fields(title=5) == {"title"}
    assert _fields(product_id="p" * 201) == {"product_id"}
    assert _fields(product_id=None, rating=0) == {"product_id", "rating"}
    assert logic.clean_review(ReviewInput(product_id="p", rating=3, body="x" * 5000)).body


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:image/png;base64,AAAA",
    "http://img.example/a.jpg", "ftp://img.example/a.jpg", "//img.example/a.jpg",
    "https://", "https://user:pw@img.example/a.jpg", "https://img.example/a b.jpg",
    'https://img.example/"onmouseover=alert(1)', "https://img.example/<script>",
    "https://img.example/" + "a" * 2000,
])
def test_photo_links_must_be_plain_https(url: str) -> None:
    assert logic.check_photo(url) is not None
    assert _fields(photos=[url]) == {"photos.0"}


def test_photo_lists() -> None:
    ok = [f"https://img.example/{i}.jpg" for i in range(5)]
    assert logic.clean_review(ReviewInput(product_id="p", rating=5, photos=ok)).photos == \
        tuple(ok)
    assert _fields(photos=[*ok, "https://img.example/6.jpg"]) == {"photos"}
    assert _fields(photos="https://img.example/a.jpg") == {"photos"}
    assert _fields(photos=[1]) == {"photos.0"}


def test_locale() -> None:
    assert logic.clean_review(ReviewInput(product_id="p", rating=5, locale="en_US")).locale \
        == "en-US"
    assert _fields(locale="<b>") == {"locale"}


@given(st.lists(st.tuples(st.integers(1, 5), st.booleans()), max_size=60))
def test_summary_matches_the_textbook(reviews: list[tuple[int, bool]]) -> None:
    counts: dict[tuple[int, bool], int] = {}
    for key in reviews:
        counts[key] = counts.get(key, 0) + 1
    summary = logic.summarise("p", [(r, v, n) for (r, v), n in counts.items()])
    ratings = [r for r, _ in reviews]
    assert summary.n == len(reviews)
    assert sum(summary.distribution.values()) == len(reviews)
    assert summary.verified == sum(v for _, v in reviews)
    if not reviews:
        assert summary.average is None and summary.verified_share is None
        return
    assert summary.average == pytest.approx(statistics.fmean(ratings))
    if len(reviews) < 2:
        assert summary.ci_low is None
        return
    assert summary.ci_low is not None and summary.ci_high is not None
    assert 1 <= summary.ci_low <= summary.average <= summary.ci_high <= 5


def test_interval_against_a_worked_example() -> None:
    # ratings 5, 4, 4, 3: mean 4, s = 0.8165, t(0.975, 3) = 3.1824 -> 4 ± 1.2992
    summary = logic.summarise("p", [(5, True, 1), (4, False, 2), (3, False, 1)])
    assert summary.average == 4.0 and summary.verified_share == 0.25
    assert summary.ci_low == pytest.approx(2.7008, abs=1e-4)
    assert summary.ci_high == pytest.approx(5.0)  # 5.2992 clipped to the scale


def test_reject_reasons() -> None:
    assert logic.clean_reason("spam", "") == (logic.RejectReason.SPAM, None)
    with pytest.raises(ReviewInvalid):
        logic.clean_reason("boring", None)
    with pytest.raises(ReviewInvalid):
        logic.clean_reason("other", "  ")


def test_catalogues_have_the_same_keys_and_placeholders() -> None:
    assert i18n_reviews.EN.keys() == i18n_reviews.JA.keys()
    field = string.Formatter()
    for key, text in i18n_reviews.EN.items():
        names = {f for _, f, _, _ in field.parse(text) if f}
        assert names == {f for _, f, _, _ in field.parse(i18n_reviews.JA[key]) if f}, key
