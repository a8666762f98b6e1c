"""(placeholder: `kizuna loyalty ...` is filled in by this issue's work)"""

from __future__ import annotations

import typer

app = typer.Typer(help="loyalty", no_args_is_help=True)
