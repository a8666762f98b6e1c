"""`kizuna clv fit`: fit BG/NBD, Pareto/NBD or Gamma-Gamma on a summary or on transactions."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from kizuna.cli.context import console, fail, print_json
from kizuna.errors import Invalid, KizunaError
from kizuna.predict import api as predict
from kizuna.predict.contracts import CustomerSummary, FitResult, ModelName

app = typer.Typer(help="Customer-lifetime-value models (BG/NBD, Pareto/NBD, Gamma-Gamma).",
                  no_args_is_help=True)


def _transactions(path: Path, customer_col: str, date_col: str,
                  amount_col: str) -> Iterator[tuple[str, str, str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            names = reader.fieldnames or []
            missing = [c for c in (customer_col, date_col, amount_col) if c not in names]
            if missing:
                raise Invalid(f"{path} lacks the column(s) {', '.join(missing)}; found "
                              f"{', '.join(names) or 'nothing (empty file)'}.")
            for row in reader:
                yield row[customer_col], row[date_col], row[amount_col]
    except (OSError, UnicodeDecodeError) as exc:
        raise Invalid(f"Cannot read {path}: {exc}") from exc


def _summary(summary_file: Path | None, transactions: Path | None, *, model: ModelName,
             customer_col: str, date_col: str, amount_col: str, date_format: str | None,
             calibration_end: str | None, freq: str) -> CustomerSummary:
    if (summary_file is None) == (transactions is None):
        raise Invalid("Give exactly one of --summary FILE or --transactions FILE.")
    if summary_file is not None:
        return predict.read_summary_csv(summary_file,
                                        need_monetary=model is ModelName.GAMMAGAMMA)
    assert transactions is not None
    if calibration_end is None:
        raise Invalid("--transactions needs --calibration-end YYYY-MM-DD.")
    try:
        end = date.fromisoformat(calibration_end)
    except ValueError as exc:
        raise Invalid(f"--calibration-end {calibration_end!r} is not a YYYY-MM-DD date.") from exc
    if freq not in ("D", "W"):
        raise Invalid("--freq must be D (days) or W (weeks).")
    return predict.summary_from_transactions(
        _transactions(transactions, customer_col, date_col, amount_col), end,
        freq="W" if freq == "W" else "D", date_format=date_format, today=date.today())


def _show(result: FitResult) -> None:
    table = Table(title=f"{result.model.value}: {result.n_customers} customers")
    table.add_column("parameter")
    table.add_column("estimate", justify="right")
    for name, value in result.params.items():
        table.add_row(name, f"{value:.4f}")
    table.add_row("log-likelihood", f"{result.log_likelihood:.2f}")
    console.print(table)


# Options shared by `fit --transactions` and `validate` (same names, same defaults).
TransactionsFile = Annotated[Path, typer.Option(
    "--transactions", help="CSV of transactions (one row per purchase).")]
CustomerCol = Annotated[str, typer.Option("--customer-col")]
DateCol = Annotated[str, typer.Option("--date-col")]
AmountCol = Annotated[str, typer.Option("--amount-col")]
DateFormat = Annotated[str | None, typer.Option(
    "--date-format", help="strptime format, e.g. %Y%m%d (default: ISO dates).",
    show_default=False)]
FreqOption = Annotated[str, typer.Option("--freq", help="Time unit: W (weeks) or D (days).")]


@app.command("fit")
def fit(
    model: Annotated[ModelName, typer.Option("--model", help="bgnbd, paretonbd or gammagamma.")],
    summary: Annotated[Path | None, typer.Option(
        "--summary", help="CSV: customer_id, frequency, recency, T[, monetary_value].",
        show_default=False)] = None,
    transactions: Annotated[Path | None, typer.Option(
        "--transactions", help="CSV of transactions (one row per purchase).",
        show_default=False)] = None,
    customer_col: CustomerCol = "customer_id",
    date_col: DateCol = "date",
    amount_col: AmountCol = "amount",
    date_format: DateFormat = None,
    calibration_end: Annotated[str | None, typer.Option(
        "--calibration-end", help="Last day of the calibration period (YYYY-MM-DD).",
        show_default=False)] = None,
    freq: FreqOption = "W",
    as_json: Annotated[bool, typer.Option("--json", help="Print the fit as JSON.")] = False,
) -> None:
    """Fit a model by maximum likelihood and print its parameters and log-likelihood."""
    try:
        data = _summary(summary, transactions, model=model, customer_col=customer_col,
                        date_col=date_col, amount_col=amount_col, date_format=date_format,
                        calibration_end=calibration_end, freq=freq)
        result = predict.fit(model, data)
    except KizunaError as exc:
        raise fail(exc) from exc
    if as_json:
        print_json({"model": result.model.value, "params": result.params,
                    "log_likelihood": result.log_likelihood,
                    "n_customers": result.n_customers})
    else:
        _show(result)


def _iso_date(option: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(f"{option} {value!r} is not a YYYY-MM-DD date.") from exc


def _report_json(report: predict.ValidationReport) -> dict[str, object]:
    e = report.errors
    return {
        "model": report.model.value, "params": report.params,
        "log_likelihood": report.log_likelihood, "n_customers": report.n_customers,
        "duration_holdout": report.duration_holdout,
        "buckets": [{"frequency": b.frequency, "n_customers": b.n_customers,
                     "actual_mean": b.actual_mean, "predicted_mean": b.predicted_mean}
                    for b in report.buckets],
        "tracking": [{"period": p.period, "end": p.end.isoformat(), "actual": p.actual,
                      "predicted": p.predicted} for p in report.tracking],
        "errors": {"mae": e.mae, "rmse": e.rmse, "baseline_mae": e.baseline_mae,
                   "baseline_rmse": e.baseline_rmse, "mae_ratio": e.mae_ratio,
                   "rmse_ratio": e.rmse_ratio, "actual_total": e.actual_total,
                   "predicted_total": e.predicted_total, "baseline_total": e.baseline_total},
    }


def _show_report(report: predict.ValidationReport, unit: str) -> None:
    table = Table(title=f"{report.model.value}: holdout of {report.duration_holdout:g} {unit}, "
                        f"{report.n_customers} customers")
    table.add_column("calibration purchases")
    table.add_column("customers", justify="right")
    table.add_column("actual (mean)", justify="right")
    table.add_column("predicted (mean)", justify="right")
    for b in report.buckets:
        table.add_row(b.frequency, str(b.n_customers), f"{b.actual_mean:.3f}",
                      f"{b.predicted_mean:.3f}")
    console.print(table)
    e = report.errors
    errors = Table(title="Per-customer holdout error")
    errors.add_column("")
    errors.add_column("model", justify="right")
    errors.add_column("naive baseline", justify="right")
    errors.add_column("model / baseline", justify="right")
    errors.add_row("MAE", f"{e.mae:.4f}", f"{e.baseline_mae:.4f}", f"{e.mae_ratio:.3f}")
    errors.add_row("RMSE", f"{e.rmse:.4f}", f"{e.baseline_rmse:.4f}", f"{e.rmse_ratio:.3f}")
    errors.add_row("total purchases", f"{e.predicted_total:.1f}", f"{e.baseline_total:.1f}",
                   f"actual {e.actual_total:.0f}")
    console.print(errors)
    last = report.tracking[-1]
    console.print(f"Cumulative repeat transactions to {last.end}: actual {last.actual:.0f}, "
                  f"predicted {last.predicted:.1f} (--json gives every {unit[:-1]}).")


@app.command("validate")
def validate(
    transactions: TransactionsFile,
    calibration_end: Annotated[str, typer.Option(
        "--calibration-end", help="Last day of the calibration period (YYYY-MM-DD).")],
    observation_end: Annotated[str, typer.Option(
        "--observation-end", help="Last day of the holdout period (YYYY-MM-DD).")],
    model: Annotated[ModelName, typer.Option(
        "--model", help="bgnbd or paretonbd.")] = ModelName.BGNBD,
    customer_col: CustomerCol = "customer_id",
    date_col: DateCol = "date",
    amount_col: AmountCol = "amount",
    date_format: DateFormat = None,
    freq: FreqOption = "W",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Fit on the calibration period and compare predicted with actual holdout purchases:
    by calibration frequency, week by week, and against a naive baseline."""
    try:
        if model is ModelName.GAMMAGAMMA:
            raise Invalid("Holdout validation needs a transaction model: bgnbd or paretonbd.")
        if freq not in ("D", "W"):
            raise Invalid("--freq must be D (days) or W (weeks).")
        data = predict.calibration_and_holdout(
            _transactions(transactions, customer_col, date_col, amount_col),
            _iso_date("--calibration-end", calibration_end),
            _iso_date("--observation-end", observation_end),
            freq="W" if freq == "W" else "D", date_format=date_format, today=date.today())
        report = predict.validate(model, data)
    except KizunaError as exc:
        raise fail(exc) from exc
    if as_json:
        print_json(_report_json(report))
    else:
        _show_report(report, "weeks" if freq == "W" else "days")
