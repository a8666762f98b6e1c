"""Facade of ``kizuna.text``: the only module other packages import (with ``contracts``).

Japanese is tokenised with SudachiPy (``sudachidict_small``, loaded once per process,
one tokenizer per thread); Japanese sentiment comes from kizuna's own polarity lexicon
(``data/ja_polarity.tsv``) with negation, intensifiers and contrast; English sentiment
comes from VADER. Nothing here raises on odd input: garbage gives a neutral analysis.
Only the first :data:`MAX_CHARS` characters of a text are analysed.
"""

from __future__ import annotations

from collections.abc import Sequence

from kizuna.text import drivers as _drivers
from kizuna.text import evaluation as _evaluation
from kizuna.text import lang as _lang
from kizuna.text import themes as _themes
from kizuna.text.analysis import MAX_CHARS, analyse
from kizuna.text.contracts import CommentAnalysis, EvalReport, KeyDriver, Theme, ThemeModel

__all__ = [
    "MAX_CHARS",
    "CommentAnalysis",
    "EvalReport",
    "KeyDriver",
    "Theme",
    "ThemeModel",
    "analyse_comment",
    "analyse_comments",
    "detect_language",
    "evaluate_sentiment",
    "find_themes",
    "format_evaluation",
    "key_drivers",
]


def detect_language(text: str) -> str:
    """Return ``"ja"`` if the text has kana or kanji, else ``"en"``."""
    return _lang.detect_language(text)


def analyse_comment(text: str, locale: str | None = None) -> CommentAnalysis:
    """Analyse one comment: language, sentiment in [-1, 1], label, key phrases, token count.

    ``locale`` (``"ja"``, ``"ja-JP"``, ``"en_US"``…) picks the language when given;
    otherwise it is detected from the text. Never raises; an empty text is neutral.
    """
    return analyse(text, locale)


def analyse_comments(
    texts: Sequence[str], locales: Sequence[str | None] | None = None
) -> list[CommentAnalysis]:
    """Analyse many comments (same result as :func:`analyse_comment` on each, faster).

    ``locales``, when given, has one entry per text (``None`` = detect; missing entries
    count as ``None``). The result always has one analysis per text, in order.
    """
    locs = list(locales or ())[: len(texts)]
    locs += [None] * (len(texts) - len(locs))
    return [analyse(t, loc) for t, loc in zip(texts, locs, strict=True)]


def find_themes(
    texts: Sequence[str],
    locales: Sequence[str | None] | None = None,
    *,
    max_themes: int = 12,
    min_size: int = 3,
    seed: int = 0,
) -> ThemeModel:
    """Group comments into themes with readable labels (per language, then merged).

    TF-IDF over key phrases and content words, KMeans with k chosen up to ``max_themes``
    (per language), clusters smaller than ``min_size`` dropped (their comments get
    ``None``). Deterministic for a given ``seed``. Theme ids are ``0..len(themes)-1``.
    """
    return _themes.find_themes(texts, locales, max_themes=max_themes, min_size=min_size, seed=seed)


def key_drivers(
    assignments: Sequence[int | None],
    scores: Sequence[int | None],
    themes: Sequence[Theme],
) -> list[KeyDriver]:
    """Which themes go with detractors vs promoters, and their effect on NPS.

    ``assignments`` and ``scores`` are aligned (one per comment); a ``None`` score (not an
    NPS answer) is left out. Sorted by effect, most negative first. See
    :class:`~kizuna.text.contracts.KeyDriver` for the meaning of each field.
    """
    return _drivers.key_drivers(assignments, scores, themes)


def evaluate_sentiment(
    language: str, splits: tuple[str, ...] = ("dev", "held_out", "all")
) -> list[EvalReport]:
    """Sentiment accuracy on kizuna's own labelled set for ``language`` ("ja" or "en").

    Accuracy, macro-F1 and a confusion matrix per split, with a majority-class baseline.
    The sets are written by kizuna's authors; see docs/reference/text-analysis.md.
    """
    return _evaluation.evaluate(language, splits)


def format_evaluation(report: EvalReport) -> str:
    """A plain-text table of one :func:`evaluate_sentiment` report."""
    return _evaluation.format_report(report)
