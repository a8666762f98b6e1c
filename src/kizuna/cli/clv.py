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


@app.command("fit")
def fit(
    model: Annotated[ModelName, typer.Option("--model", help="bgnbd, paretonbd or gammagamma.")],
    summary: Annotated[Path | None, typer.Option(
        "--summary", help="CSV: customer_id, frequency, recency, T[, monetary_value].",
        show_default=False)] = None,
    transactions: Annotated[Path | None, typer.Option(
        "--transactions", help="CSV of transactions (one row per purchase).",
        show_default=False)] = None,
    customer_col: Annotated[str, typer.Option("--customer-col")] = "customer_id",
    date_col: Annotated[str, typer.Option("--date-col")] = "date",
    amount_col: Annotated[str, typer.Option("--amount-col")] = "amount",
    date_format: Annotated[str | None, typer.Option(
        "--date-format", help="strptime format, e.g. %Y%m%d (default: ISO dates).",
        show_default=False)] = None,
    calibration_end: Annotated[str | None, typer.Option(
        "--calibration-end", help="Last day of the calibration period (YYYY-MM-DD).",
        show_default=False)] = None,
    freq: Annotated[str, typer.Option("--freq", help="Time unit: W (weeks) or D (days).")] = "W",
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
