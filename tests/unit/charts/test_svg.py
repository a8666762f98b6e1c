"""SVG charts: well-formed XML, escaping, one mark per datum, missing values, odd input."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from kizuna.charts import palette, scale, svg
from kizuna.charts.css import CHART_CSS

NS = "{http://www.w3.org/2000/svg}"
NASTY = ["<script>alert(1)</script>", '"quotes" & ampersands', "it's", "新規顧客"]
APP_CSS = Path(__file__).parents[3] / "src/kizuna/web/static/app.css"


def parse(markup: Markup) -> ET.Element:
    assert isinstance(markup, Markup)
    return ET.fromstring(str(markup))


def by_class(root: ET.Element, cls: str) -> list[ET.Element]:
    return [e for e in root.iter() if cls in e.get("class", "").split()]


def texts(root: ET.Element) -> list[str]:
    return ["".join(e.itertext()) for e in root.iter()]


def assert_accessible(root: ET.Element, title: str) -> None:
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox", "").startswith("0 0 ")
    assert "style" not in {k for e in root.iter() for k in e.attrib}
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    first = root[0]
    assert first.tag == f"{NS}title" and first.text == title
    for ref in root.get("aria-labelledby", "").split():
        assert ref in ids


def every_chart(label: str, values: list[float | None], pid: str = "c") -> list[Markup]:
    n = len(values)
    labels = [f"{label}{i}" for i in range(n)]
    plain = [v if v is not None else 0.0 for v in values]
    return [
        svg.line_chart(
            [
                svg.Series(label, values, band_low=values, band_high=values),
                svg.Series("b", list(reversed(values))),
            ],
            x_labels=labels,
            title=label,
            desc=label,
            id_prefix=pid,
        ),
        svg.bar_chart(
            [svg.Bar(l_, v, v, v) for l_, v in zip(labels, values, strict=True)],
            title=label,
            id_prefix=pid,
        ),
        svg.bar_chart(
            [svg.Bar(l_, v) for l_, v in zip(labels, values, strict=True)],
            title=label,
            horizontal=False,
            id_prefix=pid,
        ),
        svg.funnel_chart(
            [svg.FunnelStep(l_, v) for l_, v in zip(labels, plain, strict=True)],
            title=label,
            id_prefix=pid,
        ),
        svg.heatmap(labels, labels, [values] * n, title=label, id_prefix=pid),
        svg.histogram([svg.HistBin(v, v + 1, v) for v in plain], title=label, id_prefix=pid),
        svg.paired_bar_chart(
            labels, {label: values, "x": list(reversed(values))}, title=label, id_prefix=pid
        ),
        svg.sparkline(values, label=label, id_prefix=pid),
    ]


# --- structure and escaping ---------------------------------------------------------------


@pytest.mark.parametrize("label", NASTY)
def test_every_chart_escapes_labels_and_stays_well_formed(label: str) -> None:
    for chart in every_chart(label, [1.0, None, -2.5, 3.0]):
        root = parse(chart)
        assert_accessible(root, label)
        assert "<script>" not in str(chart)
        assert label in texts(root)  # the full label survives, as text, somewhere


def test_data_table_is_hidden_escaped_and_well_formed() -> None:
    table = svg.data_table(["月", NASTY[1]], [[NASTY[0], "1"], ["2月", "2"]], caption=NASTY[0])
    root = parse(table)
    assert root.get("class") == "sr-only"
    assert root.find("caption").text == NASTY[0]  # type: ignore[union-attr]
    assert [th.get("scope") for th in root.iter("th")] == ["col", "col", "row", "row"]
    assert len(root.findall("./tbody/tr")) == 2
    assert "<script>" not in str(table)


def test_control_characters_are_dropped_not_emitted() -> None:
    parse(svg.bar_chart([svg.Bar("a\x00b\x1f", 1)], title="t\x0b"))


def test_id_prefix_is_used_and_validated() -> None:
    root = parse(
        svg.line_chart(
            [svg.Series("a", [1, 2])], x_labels=["x", "y"], title="t", desc="d", id_prefix="kpi-1"
        )
    )
    assert root.get("aria-labelledby") == "kpi-1-title kpi-1-desc"
    with pytest.raises(ValueError, match="id_prefix"):
        svg.sparkline([1], label="x", id_prefix='a" onload="x')


def test_generated_prefixes_differ_between_calls() -> None:
    a = parse(svg.sparkline([1, 2], label="x")).get("aria-labelledby")
    b = parse(svg.sparkline([1, 2], label="x")).get("aria-labelledby")
    assert a != b


def test_long_labels_are_truncated_with_the_full_label_in_a_title() -> None:
    long = "とても長いラベル" * 20
    root = parse(svg.bar_chart([svg.Bar(long, 5)], title="t"))
    label = next(e for e in by_class(root, "chart-label"))
    assert "".join(label.itertext()).endswith("…")
    assert label.find(f"{NS}title").text == long  # type: ignore[union-attr]


# --- one mark per datum -------------------------------------------------------------------


def test_line_chart_draws_one_point_per_present_value_and_splits_at_gaps() -> None:
    root = parse(
        svg.line_chart(
            [svg.Series("今期", [1, 2, None, 4, 5]), svg.Series("前期", [2, 2, 2])],
            x_labels=list("abcde"),
            title="売上",
        )
    )
    assert len(by_class(root, "chart-point")) == 4 + 3
    lines = by_class(root, "chart-line")
    # legend swatches + two runs for the first series + one for the second
    assert len([e for e in lines if e.tag == f"{NS}path"]) == 3
    assert {"今期", "前期"} <= set(texts(root))


def test_line_chart_band_is_drawn_where_both_bounds_exist() -> None:
    root = parse(
        svg.line_chart(
            [svg.Series("p", [1, 2, 3, 4], band_low=[0, 1, None, 3], band_high=[2, 3, 4, 5])],
            x_labels=list("abcd"),
            title="t",
        )
    )
    assert len(by_class(root, "chart-band")) == 2


def test_single_point_line_chart() -> None:
    root = parse(svg.line_chart([svg.Series("p", [7])], x_labels=["今日"], title="t"))
    assert len(by_class(root, "chart-point")) == 1
    assert not [e for e in by_class(root, "chart-line") if e.tag == f"{NS}path"]


def test_line_chart_rejects_more_values_than_labels() -> None:
    with pytest.raises(ValueError, match="2 labels"):
        svg.line_chart([svg.Series("p", [1, 2, 3])], x_labels=["a", "b"], title="t")


@pytest.mark.parametrize("horizontal", [True, False])
def test_bar_chart_bars_error_bars_and_zero_line(horizontal: bool) -> None:
    bars = [svg.Bar("a", 3, 2, 4), svg.Bar("b", -2), svg.Bar("c", None), svg.Bar("d", 0)]
    root = parse(svg.bar_chart(bars, title="t", horizontal=horizontal))
    assert len(by_class(root, "chart-bar")) == 3
    assert len(by_class(root, "chart-errorbar-group")) == 1
    assert by_class(root, "chart-zero")
    assert len(by_class(root, "chart-label")) == 4


def test_negative_bar_extends_left_of_zero() -> None:
    root = parse(svg.bar_chart([svg.Bar("up", 5), svg.Bar("down", -5)], title="t"))
    zero = float(by_class(root, "chart-zero")[-1].get("x1", ""))
    up, down = by_class(root, "chart-bar")
    assert float(up.get("x", "")) == pytest.approx(zero)
    assert float(down.get("x", "")) + float(down.get("width", "")) == pytest.approx(zero)


def test_funnel_shows_computed_and_given_conversions() -> None:
    steps = [
        svg.FunnelStep("訪問", 1000),
        svg.FunnelStep("カート", 250),
        svg.FunnelStep("購入", 50, conversion=0.5),
    ]
    root = parse(svg.funnel_chart(steps, title="t"))
    bars = by_class(root, "chart-bar")
    assert len(bars) == 3
    widths = [float(b.get("width", "")) for b in bars]
    assert widths == sorted(widths, reverse=True)
    assert [t for t in texts(root) if t.startswith("↓")] == ["↓ 25.0%", "↓ 50.0%"]


def test_funnel_of_zeros_has_no_ratio_and_no_division_error() -> None:
    root = parse(svg.funnel_chart([svg.FunnelStep("a", 0), svg.FunnelStep("b", 0)], title="t"))
    assert len(by_class(root, "chart-bar")) == 2
    assert not [t for t in texts(root) if t.startswith("↓")]


def test_heatmap_cells_missing_cells_and_cohort_triangle() -> None:
    values = [[1.0, 0.5, 0.25], [1.0, None], [0.0]]
    root = parse(
        svg.heatmap(
            ["1月", "2月", "3月"],
            ["M0", "M1", "M2"],
            values,
            title="t",
            fmt=scale.format_percent,
            low=0,
            high=1,
            no_data_label="データなし",
        )
    )
    cells, missing = by_class(root, "chart-cell"), by_class(root, "chart-cell-missing")
    assert len(cells) == 5
    assert len([m for m in missing if "chart-swatch" not in m.get("class", "")]) == 1
    hole = missing[0]
    assert hole.get("fill", "").startswith("url(#")
    assert "データなし" in hole.find(f"{NS}title").text  # type: ignore[operator,union-attr]
    zero = cells[-1]
    assert zero.get("fill") == palette.SEQUENTIAL[0]
    assert "0.0%" in texts(root)
    assert cells[0].get("fill") == palette.SEQUENTIAL[-1]


def test_heatmap_text_contrast_follows_the_cell_colour() -> None:
    root = parse(svg.heatmap(["r"], ["lo", "hi"], [[0, 10]], title="t"))
    light, dark = (
        e for e in root.iter(f"{NS}text") if e.get("class") in ("chart-on-light", "chart-on-dark")
    )
    assert light.get("class") == "chart-on-light" and light.get("fill") == palette.INK
    assert dark.get("class") == "chart-on-dark" and dark.get("fill") == palette.ON_DARK


def test_rfm_grid_has_25_cells() -> None:
    grid = [[float(r * 5 + f) for f in range(5)] for r in range(5)]
    root = parse(svg.heatmap(list("54321"), list("12345"), grid, title="RFM"))
    assert len(by_class(root, "chart-cell")) == 25


def test_histogram_and_paired_bars_count() -> None:
    bins = [svg.HistBin(0, 10, 4), svg.HistBin(10, 20, 0), svg.HistBin(20, 30, 7)]
    assert len(by_class(parse(svg.histogram(bins, title="t")), "chart-bar")) == 3
    root = parse(
        svg.paired_bar_chart(["0", "1", "2+"], {"予測": [5, 3, 1], "実績": [4, None]}, title="t")
    )
    assert len(by_class(root, "chart-bar")) == 3 + 1
    assert {"予測", "実績"} <= set(texts(root))


def test_sparkline_has_a_dot_on_the_last_value() -> None:
    root = parse(svg.sparkline([1, None, 3, 2, None], label="売上"))
    assert len(by_class(root, "chart-point")) == 1
    assert root.get("class") == "chart chart-type-spark chart-spark"


# --- empty and awkward input --------------------------------------------------------------


@pytest.mark.parametrize("values", [[], [None, None], [math.nan, math.inf]])
def test_no_data_charts_say_so_in_the_callers_words(values: list[float | None]) -> None:
    for chart in every_chart("x", values)[:-1]:
        root = parse(chart)
        kind = root.get("class", "")
        if values and ("chart-type-funnel" in kind or "chart-type-histogram" in kind):
            continue  # every_chart hands these two zeros in place of the missing values
        assert "No data" in texts(root), chart
    root = parse(svg.bar_chart([], title="t", no_data_label="データがありません"))
    assert "データがありません" in texts(root)


def test_all_zeros_draw_a_flat_line_and_empty_bars() -> None:
    root = parse(svg.line_chart([svg.Series("z", [0, 0, 0])], x_labels=list("abc"), title="t"))
    assert len({p.get("cy") for p in by_class(root, "chart-point")}) == 1
    root = parse(svg.bar_chart([svg.Bar("a", 0), svg.Bar("b", 0)], title="t"))
    assert [b.get("width") for b in by_class(root, "chart-bar")] == ["0", "0"]


def test_huge_values_get_nice_ticks() -> None:
    ticks = scale.nice_ticks(0, 9.3e12)
    assert ticks == [0, 2e12, 4e12, 6e12, 8e12, 1e13]
    assert scale.nice_ticks(0.1, 0.73) == [0, 0.2, 0.4, 0.6, 0.8]
    assert scale.nice_ticks(-3.2, 7) == [-4, -2, 0, 2, 4, 6, 8]
    assert scale.nice_ticks(5, 5) == [2, 3, 4, 5, 6, 7, 8]
    assert scale.nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert scale.format_number(1.5e18) == "1.5e+18"
    assert scale.format_number(1234567) == "1,234,567"
    assert scale.format_number(-0.0) == "0"


def test_chart_css_is_appended_to_the_dashboard_stylesheet() -> None:
    css = APP_CSS.read_text(encoding="utf-8")
    assert CHART_CSS.strip() in css
    assert css.count("/* charts */") == 1
    for colour in palette.SERIES:
        assert colour in CHART_CSS


def test_sequential_palette_is_monotone_in_lightness() -> None:
    whites = [palette.contrast(palette.sequential(t / 20), "#ffffff") for t in range(21)]
    assert whites == sorted(whites)
    assert palette.sequential(-1) == palette.SEQUENTIAL[0]
    assert palette.sequential(2) == palette.SEQUENTIAL[-1]


# --- properties ---------------------------------------------------------------------------

NON_FINITE_WORD = re.compile(r"\b(nan|inf|infinity)\b", re.IGNORECASE)
numbers = st.one_of(
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1e308, -1e308, 5e-324, 1e15, -1e-9]),
)
safe_labels = st.text(alphabet="abcdeフ新<>&\"' ", max_size=30)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(numbers, max_size=12), label=safe_labels)
def test_any_finite_input_gives_well_formed_svg_without_nan_or_inf(
    values: list[float | None], label: str
) -> None:
    for chart in every_chart(label, values):
        parse(chart)
        assert not NON_FINITE_WORD.search(str(chart).replace(label, "")), chart


@settings(max_examples=40, deadline=None)
@given(label=st.text(max_size=40), value=st.floats(allow_nan=False, allow_infinity=False))
def test_any_label_text_stays_well_formed(label: str, value: float) -> None:
    parse(svg.bar_chart([svg.Bar(label, value)], title=label, horizontal=False))
    parse(svg.heatmap([label], [label], [[value]], title=label))
    parse(svg.data_table([label], [[label]], caption=label))


@settings(max_examples=100, deadline=None)
@given(
    a=st.floats(allow_nan=False, allow_infinity=False),
    b=st.floats(allow_nan=False, allow_infinity=False),
)
def test_nice_ticks_cover_the_range_with_few_finite_ticks(a: float, b: float) -> None:
    ticks = scale.nice_ticks(a, b)
    assert 2 <= len(ticks) <= 12
    assert all(math.isfinite(t) for t in ticks)
    assert ticks == sorted(ticks)
    lo, hi = scale.clamp(min(a, b)), scale.clamp(max(a, b))
    slack = (hi - lo) * 1e-9  # float rounding at the ends, relative to the span
    assert ticks[0] <= lo + slack
    assert ticks[-1] >= hi - slack
