"""The base of every settings section: unknown fields are an error."""

from __future__ import annotations

from pydantic import BaseModel


class _Section(BaseModel):
    model_config = {"extra": "forbid"}
