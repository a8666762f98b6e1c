"""`kizuna experiments analyse FILE.csv`: the uplift report before journeys exist."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from kizuna.cli.context import console, fail, print_json
from kizuna.errors import Invalid, KizunaError
from kizuna.experiments import api as experiments

app = typer.Typer(help="Experiments: uplift statistics with holdouts.", no_args_is_help=True)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.2f}%"


def _p(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


@app.command("analyse")
def analyse(
    path: Annotated[Path, typer.Argument(
        help="CSV with columns arm, converted, revenue, pre_spend (one row per recipient), or -.")],
    control: Annotated[str, typer.Option(help="The control arm.")] = experiments.HOLDOUT,
    alpha: Annotated[float, typer.Option(min=0.001, max=0.5)] = 0.05,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Conversion rate and revenue per recipient per arm; uplift over the control with 95 %
    interval, p-value, CUPED and always-valid results."""
    try:
        raw = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(Invalid(f"Cannot read {path}: {exc}. Give a UTF-8 CSV file.")) from exc
    try:
        report = experiments.analyse(experiments.parse_csv(raw), control=control, alpha=alpha)
    except KizunaError as exc:
        raise fail(exc) from exc
    if as_json:
        print_json(report.as_dict())
        return
    arms = Table("arm", "n", "conversions", "conv. rate", "revenue / recipient", "enough data")
    for a in report.arms:
        arms.add_row(a.name, f"{a.n:,}", f"{a.conversions:,}", f"{a.conversion_rate:.2%}",
                     f"{a.revenue_per_recipient:,.2f}", "yes" if a.enough_data else "no")
    console.print(arms)
    level = f"{1 - report.alpha:.0%}"
    table = Table("arm", "metric", f"uplift [{level} interval]", "p", "relative",
                  "CUPED [interval] var. red.", "always-valid [sequence] p")
    for v in report.variants:
        for c in (v.conversion, v.revenue):
            scale, unit = (100, " pt") if c.metric == "conversion_rate" else (1, "")
            f, cu, av = c.fixed, c.cuped, c.always_valid
            table.add_row(
                v.arm, "conversion" if scale == 100 else "revenue/recipient",
                f"{f.difference * scale:+.2f}{unit} [{f.low * scale:+.2f}, {f.high * scale:+.2f}]",
                _p(f.p_value), _pct(c.relative),
                "—" if cu is None else (f"{cu.difference * scale:+.2f} [{cu.low * scale:+.2f}, "
                                        f"{cu.high * scale:+.2f}] {_pct(c.variance_reduction)}"),
                f"[{av.low * scale:+.2f}, {av.high * scale:+.2f}] p={_p(av.p_value)}")
    console.print(table)
    for note in report.notes:
        console.print(f"note: {note}", markup=False)
