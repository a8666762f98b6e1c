"""Property tests: sentiment stays in [-1, 1] and nothing raises, whatever the text."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.text import api

_JA_BITS = st.sampled_from(
    [
        "配送",
        "が",
        "遅い",
        "ない",
        "けど",
        "とても",
        "全然",
        "良い",
        "。",
        "しかし",
        "二度と",
        "使いにくい",
        "ません",
        "高い",
        "値段",
        "😡",
        "\x00",
        "!",
        "?",
        "ず",
        "すぎる",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_arbitrary_unicode_never_raises(text: str) -> None:
    a = api.analyse_comment(text)
    assert -1.0 <= a.sentiment <= 1.0
    assert a.label in ("positive", "neutral", "negative")
    assert a.language in ("ja", "en")


@settings(max_examples=150, deadline=None)
@given(st.lists(_JA_BITS, max_size=30).map("".join))
def test_japanese_fragments_stay_in_range(text: str) -> None:
    a = api.analyse_comment(text, "ja")
    assert -1.0 <= a.sentiment <= 1.0


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=8), st.sampled_from([None, "ja", "en", "fr", ""]))
def test_batch_never_raises(texts: list[str], locale: str | None) -> None:
    out = api.analyse_comments(texts, [locale] * len(texts))
    assert len(out) == len(texts)


def test_empty_is_neutral() -> None:
    for text in ("", "   ", "\n\t", "\x00"):
        a = api.analyse_comment(text)
        assert (a.sentiment, a.label, a.key_phrases, a.tokens) == (0.0, "neutral", (), 0)


def test_emoji_nul_and_surrogates() -> None:
    for text in ("😀👍🏽", "配送\x00遅い", "\ud800abc", "ｶﾀｶﾅ", "\u200b\u200b", "🇯🇵 最高！"):
        a = api.analyse_comment(text)
        assert -1.0 <= a.sentiment <= 1.0


def test_100k_characters_within_time_bound() -> None:
    api.analyse_comment("warm up 配送")
    for text in ("あ" * 100_000, "配送が遅い。" * 17_000, "word " * 20_000, "😀" * 100_000):
        start = time.process_time()  # CPU time: steady on a busy CI machine
        a = api.analyse_comment(text)
        assert time.process_time() - start < 3.0  # typically well under 1 s
        assert -1.0 <= a.sentiment <= 1.0
