"""Themes recover planted topics, are deterministic, label readably, and handle odd input."""

from __future__ import annotations

import warnings

from sklearn.metrics import adjusted_rand_score

from kizuna.text import api, samples

FOUR = ("delivery", "price", "quality", "support")


def _ari(topics: list[str], assignments: tuple[int | None, ...]) -> float:
    return float(adjusted_rand_score(topics, [-1 if a is None else a for a in assignments]))


def test_japanese_planted_topics_are_recovered() -> None:
    texts, topics, _ = samples.corpus(240, "ja", FOUR, seed=3)
    model = api.find_themes(texts, max_themes=4, seed=0)
    assert _ari(topics, model.assignments) > 0.6
    labels = " ".join(t.label for t in model.themes)
    assert "配送" in labels or "配達" in labels or "届く" in labels


def test_english_planted_topics_are_recovered() -> None:
    texts, topics, _ = samples.corpus(240, "en", FOUR, seed=4)
    model = api.find_themes(texts, max_themes=4, seed=0)
    assert _ari(topics, model.assignments) > 0.6


def test_mixed_languages_cluster_per_language() -> None:
    ja_texts, _, _ = samples.corpus(120, "ja", FOUR, seed=5)
    en_texts, _, _ = samples.corpus(120, "en", FOUR, seed=6)
    texts = ja_texts + en_texts
    model = api.find_themes(texts, max_themes=8)
    assert 2 <= len(model.themes) <= 8
    for theme in model.themes:
        members = [i for i, a in enumerate(model.assignments) if a == theme.id]
        assert len(members) == theme.size >= 3
        langs = {api.detect_language(texts[i]) for i in members}
        assert langs == {theme.language}
        assert set(theme.examples) <= set(members)
        assert -1.0 <= theme.sentiment <= 1.0
        assert theme.label and "HINT" not in theme.label
    assert [t.id for t in model.themes] == list(range(len(model.themes)))
    assert len({t.label for t in model.themes}) == len(model.themes)  # labels are unique


def test_same_seed_same_themes() -> None:
    texts, _, _ = samples.corpus(150, "en", seed=7)
    assert api.find_themes(texts, seed=1) == api.find_themes(texts, seed=1)


def test_small_clusters_are_dropped() -> None:
    texts, _, _ = samples.corpus(60, "ja", FOUR, seed=8)
    model = api.find_themes(texts, max_themes=6, min_size=10)
    assert all(t.size >= 10 for t in model.themes)


def test_degenerate_inputs_do_not_raise() -> None:
    assert api.find_themes([]).themes == ()
    model = api.find_themes(["", "   ", "\x00", "😀😀"])
    assert model.assignments == (None, None, None, None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # duplicates must not make KMeans warn
        model = api.find_themes(["配送が遅い"] * 10 + ["値段が高い"] * 10)
    assert len(model.assignments) == 20
