"""Themes: group comments (per language) and label each group with its top terms.

Features are TF-IDF over a comment's key phrases and content lemmas; vectors are reduced
with truncated SVD (LSA) and L2-normalised, then KMeans runs for each k in a small range
and the k with the best silhouette (on a fixed sample) wins. Clusters smaller than
``min_size`` are dropped. Everything is seeded, so a seed gives the same themes.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from kizuna.text import en, ja
from kizuna.text.analysis import analyse, clean
from kizuna.text.contracts import Theme, ThemeModel
from kizuna.text.lang import language_for
from kizuna.text.lexicon import read_tsv

_SILHOUETTE_SAMPLE = 1500
_DIMS = 50
HINT = "HINT:"
_HINT_WEIGHT = 2
_EXAMPLES = 3


def _features(text: str, language: str) -> tuple[list[str], float]:
    """(terms, sentiment) of one text; terms are key phrases plus content lemmas."""
    s = clean(text)
    if not s.strip():
        return [], 0.0
    try:
        if language == "ja":
            morphs = ja.tokenize(s)
            terms = ja.content_terms(morphs)
            lemmas = {m.lemma for m in morphs} | set(terms)
            hints = _hints(lemmas, "ja")
            return list(ja.key_phrases(morphs)) + terms + hints, ja.sentiment(morphs)
        phrases = [p for p in en.key_phrases(s) if " " in p]
        terms = en.content_terms(s)
        return phrases + terms + _hints(set(terms), "en"), en.sentiment(s)
    except Exception:
        return [], analyse(s, language).sentiment


@lru_cache(maxsize=1)
def _concepts() -> dict[str, dict[str, str]]:
    """language -> word -> concept, from ``data/concepts.tsv``."""
    out: dict[str, dict[str, str]] = {"ja": {}, "en": {}}
    for row in read_tsv("concepts.tsv"):
        concept, language, words = row[0].strip(), row[1].strip(), row[2].split()
        for w in words:
            out.setdefault(language, {})[w] = concept
    return out


def _hints(words: set[str], language: str) -> list[str]:
    """Concept features (``HINT:delivery``), twice each, so they weigh like a phrase."""
    table = _concepts().get(language, {})
    found = sorted({table[w] for w in words if w in table})
    return [HINT + c for c in found for _ in range(_HINT_WEIGHT)]


def _budget(counts: dict[str, int], max_themes: int) -> dict[str, int]:
    total = sum(counts.values()) or 1
    out = {lang: max(1, round(max_themes * c / total)) for lang, c in counts.items() if c}
    while sum(out.values()) > max_themes and max(out.values()) > 1:
        big = max(out, key=lambda k: out[k])
        out[big] -= 1
    return out


def _cluster(
    docs: list[list[str]], kmax: int, min_size: int, seed: int
) -> tuple[list[int | None], list[list[str]], list[list[int]]]:
    """Cluster one language's term lists: (label per doc, top terms per cluster, members)."""
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    # One BLAS/OpenMP thread: the matrices are small, and on a busy server (the web app,
    # the worker) oversubscribed thread pools made this several times slower.
    with threadpool_limits(limits=1):
        return _cluster_inner(docs, kmax, min_size, seed)


def _cluster_inner(
    docs: list[list[str]], kmax: int, min_size: int, seed: int
) -> tuple[list[int | None], list[list[str]], list[list[int]]]:
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import normalize

    n = len(docs)
    keep = [i for i, d in enumerate(docs) if d]
    labels: list[int | None] = [None] * n
    if len(keep) < max(2 * min_size, 4) or kmax < 1:
        return labels, [], []
    vec = TfidfVectorizer(
        analyzer=lambda d: d, min_df=2 if len(keep) >= 20 else 1, max_df=0.5, sublinear_tf=True
    )
    try:
        x = vec.fit_transform([docs[i] for i in keep])
    except ValueError:  # empty vocabulary
        return labels, [], []
    vocab = np.array(vec.get_feature_names_out())
    if x.shape[1] < 2:
        return labels, [], []
    dims = int(min(_DIMS, x.shape[1] - 1, len(keep) - 1))
    z = (
        TruncatedSVD(n_components=dims, random_state=seed).fit_transform(x)
        if dims >= 2
        else x.toarray()
    )
    z = normalize(z)
    rng = np.random.default_rng(seed)
    sample = (
        rng.choice(len(keep), _SILHOUETTE_SAMPLE, replace=False)
        if len(keep) > _SILHOUETTE_SAMPLE
        else np.arange(len(keep))
    )
    best: tuple[float, np.ndarray] | None = None
    distinct = len(np.unique(np.round(z, 6), axis=0))
    kmax = int(min(kmax, len(keep) // max(min_size, 1), distinct))
    for k in range(2, kmax + 1):
        with warnings.catch_warnings():  # near-duplicate comments: fewer clusters than k
            warnings.simplefilter("ignore", ConvergenceWarning)
            km = KMeans(n_clusters=k, n_init=2, random_state=seed).fit(z)
        lab = km.labels_
        if len(set(lab[sample].tolist())) < 2:
            continue
        score = float(silhouette_score(z[sample], lab[sample]))
        if best is None or score > best[0] + 1e-9:
            best = (score, lab)
    if best is None:
        return labels, [], []
    lab = best[1]
    dense_mean = np.asarray(x.mean(axis=0)).ravel()
    top_terms: list[list[str]] = []
    members: list[list[int]] = []
    for c in sorted(set(lab.tolist())):
        rows = np.flatnonzero(lab == c)
        if len(rows) < min_size:
            continue
        centre = np.asarray(x[rows].mean(axis=0)).ravel()
        weight = centre - 0.5 * dense_mean  # distinctive, not just frequent everywhere
        order = np.argsort(-weight)[:16]
        terms = [str(vocab[t]) for t in order if centre[t] > 0 and not vocab[t].startswith(HINT)]
        # typical members: closest to the cluster's centre in LSA space
        zc = z[rows].mean(axis=0)
        near = rows[np.argsort(-(z[rows] @ zc))]
        cid = len(top_terms)
        top_terms.append(terms)
        members.append([keep[int(r)] for r in near])
        for r in rows:
            labels[keep[int(r)]] = cid
    return labels, top_terms, members


def _label(terms: list[str], taken: set[str]) -> str:
    """Readable label from top terms: two that don't repeat each other, unique in ``taken``."""
    picked: list[str] = []
    for t in terms:
        if any(t in p or p in t for p in picked):
            continue
        picked.append(t)
        if len(picked) >= 2 and " / ".join(picked) not in taken:
            break
    label = " / ".join(picked[:2]) if picked else "—"
    if label in taken:
        label = " / ".join(picked) if " / ".join(picked) not in taken else label
    n = 2
    base = label
    while label in taken:
        label = f"{base} ({n})"
        n += 1
    taken.add(label)
    return label


def find_themes(
    texts: Sequence[str],
    locales: Sequence[str | None] | None = None,
    *,
    max_themes: int = 12,
    min_size: int = 3,
    seed: int = 0,
) -> ThemeModel:
    n = len(texts)
    locs = list(locales or ())[:n]
    locs += [None] * (n - len(locs))
    langs = [language_for(clean(t), loc) for t, loc in zip(texts, locs, strict=True)]
    feats: list[list[str]] = []
    sents: list[float] = []
    for t, lang in zip(texts, langs, strict=True):
        terms, s = _features(t if isinstance(t, str) else "", lang)
        feats.append(terms)
        sents.append(s)
    counts = {lang: langs.count(lang) for lang in ("ja", "en")}
    budget = _budget(counts, max(1, max_themes))
    raw: list[tuple[str, list[str], list[int]]] = []
    for lang in ("ja", "en"):
        idx = [i for i, g in enumerate(langs) if g == lang]
        if not idx or lang not in budget:
            continue
        _, top, members = _cluster([feats[i] for i in idx], budget[lang], min_size, seed)
        for terms, mem in zip(top, members, strict=True):
            raw.append((lang, terms, [idx[m] for m in mem]))
    raw.sort(key=lambda r: (-len(r[2]), r[0], r[1][:1]))
    assignments: list[int | None] = [None] * n
    themes: list[Theme] = []
    taken: set[str] = set()
    for tid, (lang, terms, mem) in enumerate(raw):
        for i in mem:
            assignments[i] = tid
        themes.append(
            Theme(
                id=tid,
                label=_label(terms, taken),
                terms=tuple(terms[:8]),
                size=len(mem),
                examples=tuple(mem[:_EXAMPLES]),
                sentiment=round(float(np.mean([sents[i] for i in mem])), 4),
                language=lang,
            )
        )
    return ThemeModel(themes=tuple(themes), assignments=tuple(assignments))
