"""kizuna's Japanese polarity lexicon (``data/ja_polarity.tsv``) and English domain words.

Lexicon entries are written as plain Japanese (``使いにくい``, ``二度と``); at load time
each is tokenised with Sudachi and matched against comments as a sequence of dictionary
forms (or normalized forms), longest match first.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kizuna.text.ja import Morph

PRICE_NOUNS = frozenset(
    """値段 価格 料金 送料 金額 代金 費用 コスト 手数料 月額 年会費 会費
    運賃 値 値上げ 円 税込 お値段 プライス 配送料 定価 お金 価""".split()  # noqa: SIM905
)

_INTENSIFIERS: dict[str, float] = {
    "とても": 1.5,
    "迚も": 1.5,
    "非常": 1.5,
    "大変": 1.4,
    "かなり": 1.4,
    "本当": 1.3,
    "ほんとう": 1.3,
    "ほんと": 1.3,
    "めちゃくちゃ": 1.6,
    "めちゃ": 1.5,
    "めっちゃ": 1.5,
    "超": 1.5,
    "極めて": 1.6,
    "すごく": 1.5,
    "凄く": 1.5,
    "すっごく": 1.6,
    "全く": 1.3,
    "まったく": 1.3,
    "全然": 1.3,
    "特に": 1.2,
    "最高に": 1.5,
    "相当": 1.3,
    "もの凄く": 1.6,
    "ものすごく": 1.6,
    "とっても": 1.5,
    "大いに": 1.4,
    "十分": 1.1,
    "少し": 0.6,
    "ちょっと": 0.6,
    "やや": 0.6,
    "若干": 0.6,
    "多少": 0.7,
    "少々": 0.6,
    "まあまあ": 0.5,
    "割と": 0.8,
    "わりと": 0.8,
    "比較的": 0.8,
    "いまいち": 0.8,
}


def ja_intensifier(m: Morph) -> float | None:
    """The multiplier an adverb applies to the next evaluative word, or None."""
    if m.pos0 not in ("副詞", "形状詞", "接頭辞", "形容詞", "名詞"):
        return None
    if m.pos0 == "形容詞":
        if m.lemma in ("すごい", "凄い") and m.conj.startswith("連用形"):
            return 1.5
        return None
    val = _INTENSIFIERS.get(m.surface)
    if val is None and m.pos0 in ("副詞", "形状詞"):
        val = _INTENSIFIERS.get(m.lemma)
    return val


_NEG = frozenset({"ない", "ぬ", "ず", "無い"})


class JaLexicon:
    """Polarity entries indexed by their first dictionary form / normalized form."""

    def __init__(self, entries: list[tuple[tuple[str, ...], float, frozenset[str]]]) -> None:
        self._index: dict[str, list[tuple[tuple[str, ...], float, frozenset[str]]]] = {}
        for key, score, flags in entries:
            self._index.setdefault(key[0], []).append((key, score, flags))
        for cands in self._index.values():
            cands.sort(key=lambda c: -len(c[0]))
        self.size = len(entries)

    def match(self, morphs: list[Morph], i: int) -> tuple[int, float, frozenset[str]] | None:
        """Longest entry starting at ``morphs[i]``: (length in morphemes, score, flags)."""
        m = morphs[i]
        cands = self._index.get(m.lemma)
        if cands is None and m.norm != m.lemma:
            cands = self._index.get(m.norm)
        if cands is None:
            cands = self._index.get(m.surface)
        if not cands:
            return None
        n = len(morphs)
        for key, score, flags in cands:
            j = i + 1
            ok = True
            for want in key[1:]:
                # polite ます between a verb and its negation: 足りませんでした ~ 足りない
                while j < n and morphs[j].lemma == "ます" and want != "ます":
                    j += 1
                if j >= n:
                    ok = False
                    break
                mm = morphs[j]
                if want in _NEG and mm.lemma in _NEG:
                    j += 1
                    continue
                if want not in (mm.lemma, mm.norm, mm.surface):
                    ok = False
                    break
                j += 1
            if ok:
                return j - i, score, flags
        return None


def read_tsv(name: str) -> list[list[str]]:
    """Rows of a packaged TSV in ``kizuna/text/data`` (``#`` lines and blanks skipped)."""
    text = resources.files("kizuna.text").joinpath("data", name).read_text(encoding="utf-8")
    return [
        line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")
    ]


@lru_cache(maxsize=1)
def ja_lexicon() -> JaLexicon:
    """The Japanese polarity lexicon, tokenised once per process."""
    from kizuna.text import ja

    entries: list[tuple[tuple[str, ...], float, frozenset[str]]] = []
    seen: set[tuple[str, ...]] = set()
    for row in read_tsv("ja_polarity.tsv"):
        phrase, score = row[0].strip(), float(row[1])
        flags = frozenset(f.strip() for f in row[2].split(",")) if len(row) > 2 else frozenset()
        morphs = ja.tokenize(phrase)
        if not morphs:
            continue
        key = tuple(m.lemma for m in morphs)
        if key in seen:
            continue
        seen.add(key)
        entries.append((key, score, flags))
    return JaLexicon(entries)


@lru_cache(maxsize=1)
def en_domain_words() -> dict[str, float]:
    """Customer-feedback words VADER's lexicon lacks, on VADER's -4..4 scale."""
    return {row[0].strip(): float(row[1]) for row in read_tsv("en_domain.tsv")}
