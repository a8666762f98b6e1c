"""Assets are vendored: no CDN or other remote URLs in templates or static files."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

import kizuna.web

WEB = Path(kizuna.web.__file__).parent
REMOTE = re.compile(r"""(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}""", re.I)
SVG_NAMESPACE = 'xmlns="http://www.w3.org/2000/svg"'  # a name, never fetched


def test_no_remote_urls_in_templates_or_static_files() -> None:
    files = [*WEB.joinpath("templates").rglob("*"), *WEB.joinpath("static").rglob("*")]
    files = [f for f in files if f.is_file()]
    assert len(files) >= 7
    offenders = {
        str(f.relative_to(WEB)): REMOTE.findall(
            f.read_text(encoding="utf-8").replace(SVG_NAMESPACE, "")
        )
        for f in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_inline_scripts_or_styles_in_templates() -> None:
    for f in WEB.joinpath("templates").rglob("*.html"):
        text = f.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), f
        assert "<style" not in text and " style=" not in text, f
        assert not re.search(r"\son[a-z]+=", text), f  # no inline event handlers
        assert "|safe" not in text.replace(" ", ""), f


def test_static_files_are_served(client: TestClient) -> None:
    css = client.get("/app/static/app.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    js = client.get("/app/static/app.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
