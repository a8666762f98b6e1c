"""`kizuna text analyse|themes|evaluate`: try the ja/en text analysis from the shell."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from kizuna.cli.context import console, fail, print_json
from kizuna.errors import Invalid
from kizuna.text import api as text

app = typer.Typer(
    help="Free-text analysis (Japanese and English): sentiment, key phrases, themes.",
    no_args_is_help=True,
)


@app.command("analyse")
def analyse(
    comment: Annotated[str, typer.Argument(help='The comment, e.g. "配送が遅すぎます".')],
    locale: Annotated[
        str | None, typer.Option(help="ja or en (detected from the text if omitted).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Language, sentiment (-1..1), label and key phrases of one comment."""
    result = text.analyse_comment(comment, locale)
    if as_json:
        print_json(dataclasses.asdict(result))
        return
    console.print(
        f"{result.language}  {result.label} ({result.sentiment:+.2f})  "
        f"{result.tokens} tokens\nkey phrases: {', '.join(result.key_phrases) or '—'}",
        markup=False,
    )


@app.command("themes")
def themes(
    path: Annotated[Path, typer.Argument(help="A UTF-8 file with one comment per line, or -.")],
    max_themes: Annotated[int, typer.Option(min=1, max=50)] = 12,
    min_size: Annotated[int, typer.Option(min=1)] = 3,
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Group comments into themes and show each with its size, sentiment and an example."""
    try:
        raw = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(Invalid(f"Cannot read {path}: {exc}. Give a UTF-8 text file.")) from exc
    comments = [line.strip() for line in raw.splitlines() if line.strip()]
    model = text.find_themes(comments, max_themes=max_themes, min_size=min_size, seed=seed)
    table = Table("id", "theme", "comments", "sentiment", "example")
    for theme in model.themes:
        example = comments[theme.examples[0]] if theme.examples else ""
        table.add_row(  # Text(): customer words are never read as rich markup
            str(theme.id),
            Text(theme.label),
            str(theme.size),
            f"{theme.sentiment:+.2f}",
            Text(example[:60]),
        )
    console.print(table)
    unassigned = sum(1 for a in model.assignments if a is None)
    console.print(f"{len(comments)} comments, {unassigned} without a theme.")


@app.command("evaluate")
def evaluate(
    language: Annotated[str | None, typer.Option(help="ja or en (both if omitted).")] = None,
) -> None:
    """Sentiment accuracy on kizuna's own labelled sets (dev, held-out and all)."""
    languages = [language] if language else ["ja", "en"]
    for lang in languages:
        if lang not in ("ja", "en"):
            raise fail(Invalid(f"Unknown language {lang!r}; use ja or en."))
        for report in text.evaluate_sentiment(lang):
            console.print(text.format_evaluation(report), markup=False)
            console.print()
    console.print(
        "These sets were written and labelled by kizuna's authors: not an independent "
        "benchmark. The held_out rows were not used for tuning.",
        markup=False,
    )
