"""The campaign store the settings name: SQLite (`campaign.db_path`, the default) or PostgreSQL (`campaign.store`
set to a postgresql:// DSN, for several workers)."""

from __future__ import annotations

from robot.campaign.sql_store import SqlStore
from robot.campaign.sqlite_store import SqliteStore
from robot.errors import ConfigError
from robot.settings import CampaignSettings

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_store(settings: CampaignSettings) -> SqlStore:
    dsn = settings.store.get_secret_value().strip()
    if not dsn:
        return SqliteStore(settings.db_path)
    if dsn.startswith(POSTGRES_SCHEMES):
        from robot.campaign.pg_store import PgStore

        return PgStore(dsn, pool_size=settings.store_pool_size)
    raise ConfigError("campaign.store: expected empty (SQLite at campaign.db_path) or a postgresql:// DSN")
