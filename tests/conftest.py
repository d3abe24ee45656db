"""Shared test fixtures. Every test module must carry a `unit` or `integration` marker (pytestmark)."""

from __future__ import annotations

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
