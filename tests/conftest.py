"""Test fixtures: every database test runs against real SQLite AND real PostgreSQL.

PostgreSQL comes from ``KIZUNA_TEST_POSTGRES_URL`` (default: the local server on
127.0.0.1:5432, database ``test``). Each test gets a fresh database cloned from a migrated
template (``CREATE DATABASE … TEMPLATE``); SQLite tests get a copy of a migrated file.
With ``CI=true`` an unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kizuna.db.engine import make_engine
from kizuna.db.migrate import upgrade_to_head
from kizuna.runtime import Runtime, build_runtime
from kizuna.settings import Settings, load_settings
from kizuna.workspaces import api as workspaces
from kizuna.workspaces.contracts import Workspace

PG_URL = os.environ.get(
    "KIZUNA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
TEST_SECRET = "test-secret-key-not-for-production"


def _postgres_problem() -> str | None:
    try:
        engine = make_engine(PG_URL, poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # pragma: no cover - depends on the machine
        return f"PostgreSQL at {PG_URL} is unreachable ({type(exc).__name__}: {exc})"
    return None


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    problem = _postgres_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"{problem}; CI=true requires PostgreSQL.", pytrace=False)
        pytest.skip(f"{problem}; set KIZUNA_TEST_POSTGRES_URL to run PostgreSQL tests.")
    return PG_URL


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _admin_exec(admin_url: str, sql: str) -> None:
    engine = make_engine(admin_url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(sql)
    engine.dispose()


def _with_database(url: str, name: str) -> str:
    return sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_template(postgres_admin_url: str) -> Iterator[str]:
    name = f"kz_tpl_{_worker()}_{os.getpid()}"
    _admin_exec(postgres_admin_url, f'DROP DATABASE IF EXISTS "{name}"')
    _admin_exec(postgres_admin_url, f'CREATE DATABASE "{name}"')
    engine = make_engine(_with_database(postgres_admin_url, name), poolclass=sa.pool.NullPool)
    upgrade_to_head(engine)
    engine.dispose()
    yield name
    _admin_exec(postgres_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}", poolclass=sa.pool.NullPool)
    upgrade_to_head(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database of each kind, private to this test."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "kizuna.db"
        shutil.copy(template, target)
        yield f"sqlite:///{target}"
        return
    admin_url: str = request.getfixturevalue("postgres_admin_url")
    template_name: str = request.getfixturevalue("postgres_template")
    name = f"kz_{uuid.uuid4().hex[:12]}"
    _admin_exec(admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    yield _with_database(admin_url, name)
    _admin_exec(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(database_url=database_url, secret_key=TEST_SECRET, default_locale="en")


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = build_runtime(settings)
    yield rt
    rt.close()


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    """A session whose work is committed at the end of the test body (if it did not raise)."""
    with runtime.sessions() as s, s.begin():
        yield s


@pytest.fixture
def workspace(runtime: Runtime) -> Workspace:
    with runtime.sessions() as s, s.begin():
        return workspaces.ensure_default_workspace(s, runtime.clock)


TEST_WRITE_KEY = "wk_test_source_key"


@pytest.fixture
def write_key(runtime: Runtime, workspace: Workspace) -> str:
    """The write key of a source named "web" (created through the real facade)."""
    from kizuna.ingest import api as ingest

    with runtime.sessions() as s, s.begin():
        ingest.create_source(
            s, workspace_id=workspace.id, name="web", clock=runtime.clock, write_key=TEST_WRITE_KEY
        )
    return TEST_WRITE_KEY


@pytest.fixture
def client(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    from kizuna.http.app import create_app

    with TestClient(create_app(settings, runtime)) as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(settings: Settings, runtime: Runtime) -> Iterator[str]:
    """The real app served by uvicorn on a loopback port; yields its base URL."""
    import uvicorn

    from kizuna.http.app import create_app

    port = free_port()
    config = uvicorn.Config(
        create_app(settings, runtime), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start within 10 s")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
