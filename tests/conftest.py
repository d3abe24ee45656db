"""Shared test fixtures. Every test module must carry a `unit` or `integration` marker (pytestmark)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = (REPO.parent / "shared").resolve()
FIXTURES = SHARED / "fixtures" / "freeswitch"
TINY_MODEL = SHARED / "models" / "whisper-tiny-random-int8"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if not any(item.iter_markers(name) for name in ("unit", "integration")):
            raise pytest.UsageError(f"{item.nodeid}: mark the module with pytest.mark.unit or pytest.mark.integration")


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    if not FIXTURES.is_dir():
        pytest.fail(f"FreeSWITCH captures not found at {FIXTURES} (../shared must sit beside the repo)")
    return FIXTURES


@pytest.fixture(scope="session")
def tiny_model_dir() -> Path:
    if not (TINY_MODEL / "model.bin").is_file():
        pytest.fail(f"shared tiny model not found at {TINY_MODEL}")
    return TINY_MODEL


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """DSN of a PostgreSQL server started for this test session (fails with the reason when it cannot start)."""
    from tests.pg_server import PgUnavailable, postgres_server

    try:
        with postgres_server() as dsn:
            yield dsn
    except PgUnavailable as err:
        pytest.fail(f"PostgreSQL test server cannot be started: {err}")


@pytest.fixture
def pg_dsn(pg_server: str, request: pytest.FixtureRequest) -> str:
    """A fresh empty database on the session's server."""
    from tests.pg_server import fresh_database

    name = "t_" + "".join(ch if ch.isalnum() else "_" for ch in request.node.name.lower())[:50]
    name += f"_{len(_DB_NAMES)}"
    _DB_NAMES.append(name)
    return fresh_database(pg_server, name)


_DB_NAMES: list[str] = []
