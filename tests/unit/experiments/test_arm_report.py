"""The ``experiments/_arm_report.html`` partial renders an ExperimentReport (or its stored
snapshot) in both languages: every arm, the uplift rows, the notes."""

from __future__ import annotations

import pytest

from kizuna.experiments import api as experiments
from kizuna.experiments.contracts import Observation
from kizuna.web.app import build_templates
from kizuna.web.i18n import translator

SOURCE = ('{% from "experiments/_arm_report.html" import arm_report %}'
          '{{ arm_report(report, t, open_count=open_count) }}')


def _render(report: object, locale: str, open_count: int = 0) -> str:
    env = build_templates().env
    return env.from_string(SOURCE).render(report=report, t=translator(locale),
                                          open_count=open_count)


def _report(n: int) -> experiments.ExperimentReport:
    obs = [Observation(arm=("holdout", "a", "b")[i % 3], converted=i % 4 == 0,
                       revenue=float(i % 7), pre_spend=float(i % 5)) for i in range(n)]
    return experiments.analyse(obs)


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_renders_every_arm_and_metric(locale: str) -> None:
    report = _report(900)
    html = _render(report, locale, open_count=1234)
    for arm in ("holdout", "a", "b"):
        assert f'data-arm="{arm}"' in html
    assert html.count('data-metric="conversion_rate"') == 2
    assert html.count('data-metric="revenue_per_recipient"') == 2
    assert "1,234" in html and 'id="arm-report-open"' in html
    assert 'id="arm-report-not-enough"' not in html
    assert ("Conversion rate [95% interval]" in html) == (locale == "en")
    assert ("コンバージョン率 [95% 区間]" in html) == (locale == "ja")
    assert "CUPED" in html and "{level}" not in html and "{count}" not in html
    same = _render(report.as_dict(), locale, open_count=1234)  # a stored snapshot
    assert same == html


def test_small_report_says_not_enough_and_escapes() -> None:
    obs = [Observation(arm="<b>x</b>", converted=False), Observation(arm="holdout",
                                                                   converted=True)]
    html = _render(experiments.analyse(obs), "en")
    assert 'id="arm-report-not-enough"' in html and "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "CUPED skipped" in html
