"""English: VADER sentiment (plus kizuna's domain words), POS-free key phrases, lemmas."""

from __future__ import annotations

import re
import threading
from typing import Any

from kizuna.text import lexicon

_lock = threading.Lock()
_analyser: Any = None
_raw: Any = None

_WORD = re.compile(r"[a-z][a-z'\-]*[a-z]|[a-z]|\d+(?:\.\d+)?")

STOPWORDS = frozenset(
    """a about above after again against all almost also am an and any are aren't as at be
    because been before being below between both but by can can't cannot could couldn't did
    didn't do does doesn't doing don't down during each even ever every few for from further
    get gets got had hadn't has hasn't have haven't having he her here hers herself him
    himself his how i i'd i'll i'm i've if in into is isn't it it's its itself just let's
    like me more most much must my myself no nor not now of off on once only or other ought
    our ours ourselves out over own really same she should shouldn't so some such than that
    that's the their theirs them themselves then there there's these they they'd they'll
    they're they've this those through to too under until up upon us very was wasn't we we'd
    we'll we're we've were weren't what what's when where which while who whom why will with
    won't would wouldn't you you'd you'll you're you've your yours yourself still yet ok
    okay also already always never ever quite bit lot lots one two three thing things way
    though although however overall again anyway etc maybe perhaps since order ordered item
    items thanks thank please would've could've day days week weeks month months year years
    hour hours minute minutes everything something anything nothing someone anyone everyone
    company""".split()  # noqa: SIM905
)
# words that carry evaluation but make poor theme/phrase terms on their own
_EVALUATIVE = frozenset(
    """good great bad terrible awful excellent amazing nice poor best worst love loved hate
    hated happy unhappy disappointed disappointing fine perfect horrible fantastic wonderful
    pleased satisfied okay decent lovely super brilliant""".split()  # noqa: SIM905
)

_WEAK_SINGLE = frozenset(
    """well feel feels felt last use used bought buy take taking took make made worth easy
    hard want wanted need needed keep kept tell told say said look looks looked give gave
    see saw seen try tried go went come came find found""".split()  # noqa: SIM905
)

_IRREGULAR = {
    "children": "child",
    "people": "person",
    "men": "man",
    "women": "woman",
    "feet": "foot",
    "teeth": "tooth",
    "mice": "mouse",
    "is": "be",
    "was": "be",
    "were": "be",
    "are": "be",
}
_KEEP_S = frozenset(
    """this was has is its his does yes bus gas less plus us always perhaps news series glass
    class process address access business status ups lens dress boss""".split()  # noqa: SIM905
)


def lemma(word: str) -> str:
    """Light, rule-based lemma: plural and -ing/-ed stripping for common cases."""
    w = word.lower().strip("'-")
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) <= 3 or w in _KEEP_S:
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "shes", "ches", "xes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


def key_phrases(text: str, limit: int = 8) -> tuple[str, ...]:
    """Stopword-split runs of 1–3 content words, lemmatised ("delivery time", "customer care")."""
    phrases: list[str] = []
    seen: set[str] = set()
    run: list[str] = []

    def flush() -> None:
        if not run:
            return
        # trim evaluative words at the edges of a run ("great customer service" -> keep both forms)
        core = [w for w in run if not w.isdigit()]
        content = [w for w in core if w not in _EVALUATIVE]
        for cand in (" ".join(core[-3:]), " ".join(content[-3:])):
            if " " not in cand and (cand.endswith("ed") or cand in _WEAK_SINGLE):
                continue  # a lone verb or filler ("arrived", "well") is not a phrase
            if cand and cand not in seen and any(c not in _EVALUATIVE for c in cand.split()):
                seen.add(cand)
                phrases.append(cand)
        run.clear()

    for segment in re.split(r"[.,;:!?()\[\]\"/\n]+", text.lower().replace("’", "'")):
        for w in _WORD.findall(segment):
            if w in STOPWORDS or len(w) < 2 or w.endswith(("ly", "n't")):
                flush()
            else:
                run.append(lemma(w))
        flush()
    # prefer multi-word phrases, keep order otherwise
    phrases.sort(key=lambda p: 0 if " " in p else 1)
    return tuple(phrases[:limit])


def content_terms(text: str) -> list[str]:
    """Lemmas of content words (no stopwords, no bare evaluation words) for theme features."""
    return [
        lemma(w)
        for w in words(text)
        if w not in STOPWORDS and w not in _EVALUATIVE and len(w) > 2 and not w.isdigit()
    ]


def _build() -> tuple[Any, Any]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    raw = SentimentIntensityAnalyzer()
    ours = SentimentIntensityAnalyzer()
    ours.lexicon = dict(ours.lexicon)
    ours.lexicon.update(lexicon.en_domain_words())
    return ours, raw


def analyser() -> Any:
    """kizuna's VADER analyser (its lexicon plus ``data/en_domain.tsv``), built once."""
    global _analyser, _raw
    if _analyser is None:
        with _lock:
            if _analyser is None:
                _analyser, _raw = _build()
    return _analyser


def raw_analyser() -> Any:
    """Plain VADER (the benchmark's reference)."""
    analyser()
    return _raw


_TOO = re.compile(r"\b(?:too|overly)\s+(?!much\s+(?:good|better)|good\b)[a-z]+", re.IGNORECASE)
_REQUEST = re.compile(
    r"^\s*(?:please|can i|can you|could you|could i|how|when|what|where|is there|is it|do you|"
    r"does|would it)\b|\bwould be (?:good|nice|great|helpful)\b|\bi(?:'d| would) like\b",
    re.IGNORECASE,
)


_SENTENCE = re.compile(r"(?<=[.!?\n])\s+")
_CHUNK = 400


def _compound(text: str) -> float:
    """VADER compound; long texts are scored in sentence chunks (VADER is quadratic)."""
    vader = analyser()
    if len(text) <= _CHUNK:
        return float(vader.polarity_scores(text)["compound"])
    size = _CHUNK if text.isascii() else _CHUNK // 8  # VADER spells each emoji out in words
    chunks: list[str] = []
    current = ""
    for sentence in _SENTENCE.split(text):
        while len(sentence) > size:
            chunks.append(sentence[:size])
            sentence = sentence[size:]
        if len(current) + len(sentence) + 1 > size and current:
            chunks.append(current)
            current = ""
        current = f"{current} {sentence}" if current else sentence
    if current:
        chunks.append(current)
    weights = [len(c) for c in chunks]
    total = sum(weights) or 1
    return (
        sum(
            float(vader.polarity_scores(c)["compound"]) * w
            for c, w in zip(chunks, weights, strict=True)
        )
        / total
    )


def sentiment(text: str) -> float:
    """VADER's compound score in [-1, 1], adjusted for feedback.

    "too …" / "far too …" counts as a complaint (VADER reads "too high" as neutral), and
    questions and requests ("Please add PayPal", "Can I…?") are damped towards neutral.
    """
    score = _compound(text)
    too = len(_TOO.findall(text))
    if too:
        score -= 0.35 * min(too, 2)
    if _REQUEST.search(text) or text.rstrip().endswith("?"):
        score *= 0.3
    return max(-1.0, min(1.0, score))
