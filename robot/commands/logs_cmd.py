"""`robot logs` (being written; its owner replaces this file)."""

from __future__ import annotations

from typing import Any


def register(subparsers: Any) -> None:
    return None
