"""Japanese: Sudachi tokenisation (one tokenizer per thread), key phrases, sentiment.

The dictionary (``sudachidict_small``) is loaded once per process; Sudachi tokenizers are
not safe to share between threads, so each thread gets its own from a ``threading.local``.
"""

from __future__ import annotations

import math
import threading
from functools import lru_cache
from typing import Any, NamedTuple

from kizuna.text import lexicon

_lock = threading.Lock()
_local = threading.local()
_dictionary: Any = None

_pos_cache: dict[int, tuple[str, str, str]] = {}  # POS id -> (pos0, pos1, conjugation form)

# Sudachi's own limit is ~49k bytes per call; we analyse sentence-sized chunks anyway.
_CHUNK = 2000


class Morph(NamedTuple):
    """One Sudachi morpheme (a NamedTuple: cheap to build, ~20 per comment)."""

    surface: str
    lemma: str  # dictionary form
    norm: str  # normalized form
    pos0: str
    pos1: str
    conj: str  # conjugation form, e.g. "連用形-一般"


def _tokenizer() -> Any:
    tok = getattr(_local, "tokenizer", None)
    if tok is None:
        global _dictionary
        import sudachipy  # type: ignore[import-untyped]

        with _lock:
            if _dictionary is None:
                _dictionary = sudachipy.Dictionary(dict="small")
            tok = _dictionary.tokenizer(mode=sudachipy.SplitMode.C)
        _local.tokenizer = tok
    return tok


def _chunks(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    n = len(text)
    while start < n:
        end = min(n, start + _CHUNK)
        if end < n:
            cut = max(text.rfind(c, start, end) for c in "。！？!?\n")
            if cut > start:
                end = cut + 1
        out.append(text[start:end])
        start = end
    return out


def tokenize(text: str) -> list[Morph]:
    """Sudachi morphemes (mode C) of ``text`` as plain records."""
    tok = _tokenizer()
    out: list[Morph] = []
    pos_cache = _pos_cache
    for chunk in _chunks(text) if len(text) > _CHUNK else (text,):
        for m in tok.tokenize(chunk):
            pid = m.part_of_speech_id()
            pos = pos_cache.get(pid)
            if pos is None:
                full = m.part_of_speech()
                pos = pos_cache[pid] = (full[0], full[1], full[5])
            out.append(Morph(m.surface(), m.dictionary_form(), m.normalized_form(), *pos))
    return out


def raw_tokenize_count(text: str) -> int:
    """Tokenise only (the benchmark's reference): number of morphemes."""
    return len(_tokenizer().tokenize(text))


# --------------------------------------------------------------------------- key phrases

_STOP_NOUNS = frozenset(
    """こと もの もん よう ため 分 方 ほう 時 とき 点 感じ 今回 前回 次回 私 僕 自分 これ それ あれ
    どれ ここ そこ 度 回 的 中 上 下 後 前 際 場合 以上 以下 気 事 物 所 ところ
    何 なに 皆 みんな 全体 全部 毎回 いつも 今 今日 昨日 先日 以前 最近 他 ほか 方々 さん 様 ん
    の 一 二 三 等 とこ わけ 訳 はず つもり 辺 あたり 感 ぶり 日 月 年 人 もう 本当
    ほんと 普通 まあ""".split()  # noqa: SIM905
)
_PRED_POS = frozenset({"形容詞", "形状詞", "動詞"})
_SKIP_VERBS = frozenset(
    {
        "する",
        "いる",
        "ある",
        "なる",
        "れる",
        "られる",
        "できる",
        "出来る",
        "思う",
        "くる",
        "しまう",
        "おる",
        "いう",
        "言う",
        "感じる",
        "みる",
    }
)


def _is_noun(m: Morph) -> bool:
    return (m.pos0 == "名詞" and m.pos1 not in ("数詞",)) or (
        m.pos0 == "接尾辞" and m.pos1 == "名詞的"
    )


def _content_noun(m: Morph) -> bool:
    return m.pos0 == "名詞" and m.pos1 in ("普通名詞", "固有名詞") and m.lemma not in _STOP_NOUNS


def key_phrases(morphs: list[Morph], limit: int = 8) -> tuple[str, ...]:
    """Noun compounds and "noun predicate" pairs (``"配送 遅い"``), in order, de-duplicated."""
    phrases: list[str] = []
    seen: set[str] = set()

    def add(p: str) -> None:
        if p and p not in seen and len(phrases) < limit * 3:
            seen.add(p)
            phrases.append(p)

    i, n = 0, len(morphs)
    while i < n:
        m = morphs[i]
        if (m.pos0 == "接頭辞" and i + 1 < n and morphs[i + 1].pos0 == "名詞") or (
            _is_noun(m) and m.pos0 != "接尾辞"
        ):
            j = i
            parts: list[str] = []
            content = False
            while j < n and (_is_noun(morphs[j]) or (j == i and morphs[j].pos0 == "接頭辞")):
                if _content_noun(morphs[j]):
                    content = True
                parts.append(morphs[j].surface)
                j += 1
            compound = "".join(parts)
            if content and (len(compound) > 1 or compound not in _STOP_NOUNS):
                # adjective / 形状詞+な right before the noun: "丁寧 対応"
                pre = _predicate_before(morphs, i)
                if pre:
                    add(f"{pre} {compound}")
                # noun + が/は/の/も + predicate: "配送 遅い"
                post = _predicate_after(morphs, j)
                if post:
                    add(f"{compound} {post}")
                add(compound)
            i = j if j > i else i + 1
            continue
        i += 1
    return tuple(phrases[:limit])


def _predicate_before(morphs: list[Morph], i: int) -> str:
    if i >= 1 and morphs[i - 1].pos0 == "形容詞" and morphs[i - 1].conj.startswith("連体形"):
        return morphs[i - 1].lemma
    if (
        i >= 2
        and morphs[i - 1].lemma == "だ"
        and morphs[i - 1].surface == "な"
        and morphs[i - 2].pos0 == "形状詞"
    ):
        return morphs[i - 2].lemma
    return ""


def _predicate_after(morphs: list[Morph], j: int) -> str:
    if j + 1 >= len(morphs):
        return ""
    part = morphs[j]
    if part.pos0 != "助詞" or part.surface not in ("が", "は", "の", "も"):
        return ""
    k = j + 1
    if k < len(morphs) and morphs[k].pos0 == "副詞":  # 配送がとても遅い
        k += 1
    if k >= len(morphs):
        return ""
    m = morphs[k]
    if m.pos0 in _PRED_POS and m.lemma not in _SKIP_VERBS and m.pos1 != "非自立可能":
        lemma = m.lemma
        if (
            k + 1 < len(morphs)
            and morphs[k + 1].pos0 == "接尾辞"
            and morphs[k + 1].pos1 == "形容詞的"
        ):
            lemma = m.surface + morphs[k + 1].lemma  # 使い + にくい
        return lemma
    return ""


def content_terms(morphs: list[Morph]) -> list[str]:
    """Lemmas of content words (nouns, adjectives, 形状詞, main verbs) for theme features."""
    out: list[str] = []
    for m in morphs:
        if _content_noun(m) and (len(m.lemma) > 1 or m.pos1 == "固有名詞"):
            out.append(m.norm if m.norm.isascii() is False else m.lemma)
        elif (m.pos0 in ("形容詞", "形状詞") and m.pos1 != "非自立可能") or (
            m.pos0 == "動詞" and m.pos1 == "一般" and m.lemma not in _SKIP_VERBS
        ):
            out.append(m.lemma)
    return out


# --------------------------------------------------------------------------- sentiment

_CLAUSE_END = frozenset("。！？!?\n．")
_CONTRAST_PARTICLES = frozenset({"が", "けど", "けれど", "けれども", "のに", "ものの", "ながら"})
_CONTRAST_CONJ = frozenset(
    {
        "しかし",
        "でも",
        "ただ",
        "だが",
        "ですが",
        "けど",
        "だけど",
        "ところが",
        "ただし",
        "とはいえ",
        "なのに",
        "それでも",
    }
)
_NEGATORS = frozenset({"ない", "ぬ", "ず", "ん", "無い", "なし", "無し"})
_PASS_THROUGH_POS = frozenset({"助動詞", "助詞", "接尾辞"})
_PASS_THROUGH_LEMMA = frozenset(
    {
        "言う",
        "いう",
        "言える",
        "いる",
        "ある",
        "くる",
        "しまう",
        "おる",
        "する",
        "なる",
        "いく",
        "もらう",
        "くれる",
        "いただく",
        "れる",
        "られる",
        "せる",
        "させる",
        "できる",
        "出来る",
    }
)
_WISH = frozenset({"ほしい", "欲しい", "ください", "下さい", "願う"})
_NEG_SURFACES = frozenset({"ない", "なく", "なかっ", "ず", "ん", "無く", "無い", "なし"})


def _negated(morphs: list[Morph], k: int, end: int) -> bool:
    """Is the word at ``k`` negated by a following ない / ず / ません… in its clause?"""
    j = k + 1
    steps = 0
    while j < end and steps < 6:
        m = morphs[j]
        if m.lemma in _NEGATORS or (
            m.surface in _NEG_SURFACES and m.pos0 in ("助動詞", "形容詞", "接尾辞", "名詞")
        ):
            return True
        if m.surface in _CONTRAST_PARTICLES and m.pos0 == "助詞" and m.pos1 == "接続助詞":
            return False
        if m.pos0 in _PASS_THROUGH_POS or m.lemma in _PASS_THROUGH_LEMMA or m.pos1 == "非自立可能":
            j += 1
            steps += 1
            continue
        return False
    return False


def sentiment(morphs: list[Morph]) -> float:
    """Lexicon sentiment in [-1, 1] with negation, intensifiers and contrast (later wins)."""
    lex = lexicon.ja_lexicon()
    n = len(morphs)
    # split into clauses; a contrast marker halves the weight of what came before it
    clause_scores: list[list[float]] = [[0.0, 1.0]]  # [score, weight]
    has_price = False
    wish = False
    i = 0
    boost = 1.0
    boost_left = 0
    clause_start = 0
    while i < n:
        m = morphs[i]
        if m.surface in _CLAUSE_END or m.pos1 == "句点":
            if wish or (i > 0 and morphs[i - 1].surface == "か") or m.surface in "？?":
                clause_scores[-1][0] *= 0.3
            clause_scores.append([0.0, 1.0])
            has_price = wish = False
            clause_start = i + 1
            i += 1
            continue
        contrast = (
            (m.pos0 == "助詞" and m.pos1 == "接続助詞" and m.surface in _CONTRAST_PARTICLES)
            or (m.pos0 == "接続詞" and m.surface in _CONTRAST_CONJ)
            or (i == clause_start and m.surface in _CONTRAST_CONJ)
        )
        if contrast:
            for c in clause_scores:
                c[1] *= 0.5
            clause_scores.append([0.0, 1.0])
            has_price = wish = False
            clause_start = i + 1
            i += 1
            continue
        if m.lemma in lexicon.PRICE_NOUNS or m.surface in lexicon.PRICE_NOUNS:
            has_price = True
        if (
            m.lemma in _WISH
            or m.surface in _WISH
            or (m.lemma in ("知る", "教える") and _wants(morphs, i))
        ):
            wish = True
        if (
            m.lemma in ("いい", "良い", "よい")
            and i
            and morphs[i - 1].surface in ("と", "ば", "たら")
        ):
            wish = True  # 〜といい / 〜ればいい: a wish, not praise
            i += 1
            continue
        inten = lexicon.ja_intensifier(m)
        if inten is not None:
            boost, boost_left = inten, 3
            i += 1
            continue
        hit = lex.match(morphs, i)
        if hit is not None:
            length, score, flags = hit
            end = i + length
            if "price" in flags and not has_price and not _price_near(morphs, i, end):
                i += 1
                continue
            s = score * (boost if boost_left > 0 else 1.0)
            if end < n and morphs[end].lemma in ("すぎる", "過ぎる"):
                s = s * 1.3 if s < 0 else -0.3
            clause_end = _clause_end(morphs, end)
            if "fixed" not in flags and _negated(morphs, end - 1, clause_end):
                s = -s * (0.6 if s > 0 else 0.5)
            clause_scores[-1][0] += s
            boost_left = 0
            i = end
            continue
        if m.pos0 == "形容詞" and i + 1 < n and morphs[i + 1].lemma in ("すぎる", "過ぎる"):
            clause_scores[-1][0] -= 0.5  # 短すぎる, 多すぎる: "too …" is a complaint
            i += 2
            continue
        if boost_left > 0:
            boost_left -= 1
        i += 1
    if wish or (n and morphs[-1].surface == "か"):
        clause_scores[-1][0] *= 0.3
    total = float(sum(s * w for s, w in clause_scores))
    # squash like VADER: x / sqrt(x^2 + alpha)
    squashed: float = total / math.sqrt(total * total + 1.5)
    return max(-1.0, min(1.0, squashed))


def _wants(morphs: list[Morph], i: int) -> bool:
    """知りたい / 教えてください: the verb at ``i`` is asked for."""
    nxt = morphs[i + 1 : i + 3]
    return any(m.lemma in ("たい", "ください", "下さい", "くださる", "下さる") for m in nxt)


def _clause_end(morphs: list[Morph], start: int) -> int:
    j = start
    while j < len(morphs) and morphs[j].surface not in _CLAUSE_END:
        j += 1
    return j


def _price_near(morphs: list[Morph], start: int, end: int) -> bool:
    lo = max(0, start - 6)
    return any(m.lemma in lexicon.PRICE_NOUNS for m in morphs[lo : min(len(morphs), end + 4)])


@lru_cache(maxsize=1)
def warm() -> None:
    """Load the dictionary and lexicon now (otherwise the first call pays for it)."""
    tokenize("配送")
    lexicon.ja_lexicon()
