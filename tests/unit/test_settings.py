from __future__ import annotations

import pytest

from kizuna.errors import ConfigurationInvalid
from kizuna.settings import load_settings


def test_postgres_urls_get_the_psycopg_driver() -> None:
    s = load_settings(database_url="postgresql://u@h/db")
    assert s.database_url == "postgresql+psycopg://u@h/db" and not s.is_sqlite


def test_unknown_database_is_refused_naming_the_variable() -> None:
    with pytest.raises(ConfigurationInvalid, match="KIZUNA_DATABASE_URL"):
        load_settings(database_url="mysql://x")


def test_production_refuses_placeholder_secret() -> None:
    with pytest.raises(ConfigurationInvalid, match="KIZUNA_SECRET_KEY"):
        load_settings(env="production")
    assert load_settings(env="production", secret_key="x" * 40).env == "production"


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIZUNA_PORT", "9001")
    assert load_settings().port == 9001
    monkeypatch.setenv("KIZUNA_PORT", "nope")
    with pytest.raises(ConfigurationInvalid, match="KIZUNA_PORT"):
        load_settings()
