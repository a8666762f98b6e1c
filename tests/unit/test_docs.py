"""Documentation that cannot rot: every setting and every error code has a heading."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import kizuna
from kizuna.errors import all_error_classes
from kizuna.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "reference"


def _headings(name: str) -> set[str]:
    text = (DOCS / name).read_text(encoding="utf-8")
    return {m.group(1).strip().strip("`") for m in re.finditer(r"^#+\s+(.+)$", text, re.M)}


def test_every_setting_is_documented() -> None:
    documented = _headings("settings.md")
    missing = [name for name in Settings.model_fields if name not in documented]
    assert missing == [], f"add these to docs/reference/settings.md: {missing}"


def test_every_error_code_is_documented() -> None:
    for module in pkgutil.walk_packages(kizuna.__path__, "kizuna."):
        if module.name.endswith(("errors", "timeline")) or ".errors" in module.name:
            importlib.import_module(module.name)
    documented = _headings("problems.md")
    codes = sorted({cls.code for cls in all_error_classes()})
    missing = [code for code in codes if code not in documented]
    assert missing == [], f"add these to docs/reference/problems.md: {missing}"
