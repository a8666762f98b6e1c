"""Language detection, Japanese tokenisation / key phrases / sentiment rules, English phrases."""

from __future__ import annotations

import pytest

from kizuna.text import api, ja


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("配送が遅い", "ja"),
        ("カタカナだけ", "ja"),
        ("漢字", "ja"),
        ("The delivery was late", "en"),
        ("", "en"),
        ("12345 !!!", "en"),
        ("Great 商品", "ja"),
        ("😀", "en"),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert api.detect_language(text) == expected


def test_locale_picks_language_but_not_for_latin_text() -> None:
    assert api.analyse_comment("配送が遅い", "ja-JP").language == "ja"
    assert api.analyse_comment("Delivery was slow", "ja_JP").language == "en"
    assert api.analyse_comment("Delivery was slow", "en-US").language == "en"
    assert api.analyse_comment("Delivery was slow", None).language == "en"


def test_tokens_are_sudachi_dictionary_forms() -> None:
    morphs = ja.tokenize("配送がとても遅くて残念でした。")
    assert [m.surface for m in morphs][:4] == ["配送", "が", "とても", "遅く"]
    assert morphs[3].lemma == "遅い"
    assert morphs[3].pos0 == "形容詞"
    assert api.analyse_comment("配送がとても遅くて残念でした。").tokens == 8


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        ("配送がとても遅くて残念でした。", {"配送 遅い", "配送"}),
        ("スタッフの対応が丁寧で満足しています", {"スタッフ", "対応 丁寧"}),
        ("丁寧な対応でした", {"丁寧 対応"}),
        ("安い商品を買いました", {"安い 商品"}),
        ("箱が潰れていて中身が割れていた", {"箱 潰れる", "中身 割れる"}),
        ("サイトが分かりにくい", {"サイト 分かりにくい"}),
    ],
)
def test_japanese_key_phrases(text: str, phrases: set[str]) -> None:
    got = set(api.analyse_comment(text).key_phrases)
    assert phrases <= got, got


def test_japanese_key_phrases_drop_stopwords() -> None:
    got = api.analyse_comment("今回のことはそれほど気にしていません").key_phrases
    assert "こと" not in got and "今回" not in got


def test_english_key_phrases() -> None:
    got = api.analyse_comment("Great customer service, but the delivery times are too long.")
    assert "customer service" in got.key_phrases
    assert "delivery time" in got.key_phrases
    assert all(p == p.lower() for p in got.key_phrases)


def _s(text: str) -> float:
    return api.analyse_comment(text).sentiment


def test_japanese_polarity_basics() -> None:
    assert api.analyse_comment("スタッフの対応が丁寧で満足しています").label == "positive"
    assert api.analyse_comment("配送が遅すぎて残念です").label == "negative"
    assert api.analyse_comment("注文した商品は本日受け取りました。").label == "neutral"


def test_japanese_negation_flips() -> None:
    assert _s("良い") > 0 > _s("良くない")
    assert _s("満足しています") > 0 > _s("満足していません")
    assert _s("壊れていました") < 0 < _s("壊れていませんでした")
    assert _s("問題なく届きました") > 0
    assert _s("とても新鮮とは言えません") < 0


def test_japanese_nikui_and_yasui_patterns() -> None:
    assert _s("サイトが使いにくい") < 0 < _s("サイトが使いやすい")
    assert _s("説明が分かりづらい") < 0


def test_japanese_contrast_later_clause_wins() -> None:
    assert _s("配送は早かったが、商品に傷がありました。") < 0
    assert _s("配送は少し遅れましたが、商品はとても良かったです。") > 0
    assert _s("安いけど、すぐに壊れました") < 0
    assert _s("しかし") == 0.0


def test_japanese_intensifiers() -> None:
    assert _s("とても良い") > _s("良い") > _s("少し良い") > 0


def test_price_context_for_takai() -> None:
    assert _s("値段が高い") < 0
    assert _s("品質が高い") > 0
    assert _s("背が高い") == 0.0


def test_nidoto_is_negative_despite_negation() -> None:
    assert api.analyse_comment("二度と利用しません").label == "negative"


def test_questions_and_requests_lean_neutral() -> None:
    assert api.analyse_comment("定期購入の解約方法を知りたいです。").label == "neutral"
    assert api.analyse_comment("Please add PayPal as a payment option.").label == "neutral"


def test_english_too_is_a_complaint() -> None:
    assert api.analyse_comment("Shipping costs are way too high.").label == "negative"


def test_batch_equals_single() -> None:
    texts = ["配送が遅い", "Great service!", "", "普通です"]
    assert api.analyse_comments(texts) == [api.analyse_comment(t) for t in texts]
    assert api.analyse_comments(texts, ["ja", "en", None, "ja"])[1].language == "en"


def test_long_text_is_truncated() -> None:
    long = "配送が遅い。" * 5000
    a = api.analyse_comment(long)
    assert a.label == "negative"
    assert a.tokens <= api.MAX_CHARS


def test_cli_analyse_and_evaluate() -> None:
    from typer.testing import CliRunner

    from kizuna.cli.text import app

    runner = CliRunner()
    out = runner.invoke(app, ["analyse", "配送がとても遅くて残念でした。"])
    assert out.exit_code == 0 and "negative" in out.output and "配送 遅い" in out.output
    out = runner.invoke(app, ["analyse", "--json", "Great staff"])
    assert '"label": "positive"' in out.output
    out = runner.invoke(app, ["evaluate", "--language", "xx"])
    assert out.exit_code != 0 and "use ja or en" in out.output


def test_threads_get_the_same_results() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from kizuna.text import samples

    texts, _, _ = samples.corpus(200, "ja", seed=11)
    texts += samples.corpus(200, "en", seed=12)[0]
    expected = api.analyse_comments(texts)
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(api.analyse_comment, texts))
    assert got == expected


def test_batch_with_short_locale_list_still_analyses_every_text() -> None:
    out = api.analyse_comments(["配送が遅い", "slow", "遅い"], ["ja"])
    assert [a.language for a in out] == ["ja", "en", "ja"]


def test_cli_themes_from_stdin_escapes_markup() -> None:
    from typer.testing import CliRunner

    from kizuna.cli.text import app

    lines = ["配送が遅い [red]x[/red]", "配送がとても遅くて残念", "発送が遅れました"] * 2
    lines += ["値段が高い", "送料が高すぎる", "価格が高い"] * 2
    out = CliRunner().invoke(app, ["themes", "-"], input="\n".join(lines))
    assert out.exit_code == 0, out.output
    assert "12 comments" in out.output
    out = CliRunner().invoke(app, ["themes", "/nonexistent/comments.txt"])
    assert out.exit_code != 0 and "Cannot read" in out.output
