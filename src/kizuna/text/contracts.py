"""Values that cross the ``kizuna.text`` boundary (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass

Label = str  # "positive" | "neutral" | "negative"


@dataclass(frozen=True, slots=True, kw_only=True)
class CommentAnalysis:
    """What kizuna reads in one comment.

    ``sentiment`` is in ``[-1, 1]``; ``label`` is ``"positive"``, ``"neutral"`` or
    ``"negative"``; ``tokens`` counts the words (Sudachi morphemes for ja) analysed.
    """

    language: str
    sentiment: float
    label: Label
    key_phrases: tuple[str, ...]
    tokens: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Theme:
    """A group of comments about the same subject.

    ``label`` is readable, in the comments' language (``"配送 / 遅い"``, ``"delivery time"``);
    ``examples`` are indexes (into the input texts) of typical comments; ``sentiment`` is
    the mean comment sentiment of the theme's members.
    """

    id: int
    label: str
    terms: tuple[str, ...]
    size: int
    examples: tuple[int, ...]
    sentiment: float
    language: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ThemeModel:
    """Themes found in a batch of texts; ``assignments`` has one entry per input (None = none)."""

    themes: tuple[Theme, ...]
    assignments: tuple[int | None, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyDriver:
    """How one theme goes with the Net Promoter Score.

    NPS is on 0–10 answers: promoters 9–10, detractors 0–6, in points (-100..100).
    ``nps_with`` is the NPS of respondents in the theme, ``nps_without`` that of everyone
    else. ``effect_on_nps`` is how many points the overall NPS would *rise* if this
    theme's respondents scored like the rest (so a theme full of detractors has a
    negative effect: it is pulling NPS down by that much). ``ci_low``/``ci_high`` are a
    95% percentile-bootstrap interval for the effect (fixed seed) and ``p_value`` a
    two-sided bootstrap p-value; both are ``nan`` when a side has no respondents.
    """

    theme_id: int
    label: str
    n: int
    share_of_comments: float
    promoters: int
    passives: int
    detractors: int
    nps_with: float
    nps_without: float
    effect_on_nps: float
    ci_low: float
    ci_high: float
    p_value: float


@dataclass(frozen=True, slots=True, kw_only=True)
class EvalReport:
    """Scores of one language on one split; ``confusion[gold][predicted]`` counts."""

    language: str
    split: str
    n: int
    accuracy: float
    macro_f1: float
    baseline_label: str
    baseline_accuracy: float
    baseline_macro_f1: float
    confusion: dict[str, dict[str, int]]
