"""Runs `kizuna clv …` through the real CLI (the same Typer app the console script uses)."""

from __future__ import annotations

from typer.testing import CliRunner

from kizuna.cli.main import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["clv", *args])
    if result.exit_code != 0:  # Rich wraps error messages: compare on normalised spaces
        return result.exit_code, " ".join(result.output.split())
    return result.exit_code, result.output
