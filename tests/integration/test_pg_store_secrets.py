"""The PostgreSQL DSN is a secret: never in an error, a log line or `robot settings`."""

from __future__ import annotations

import logging
import socket

import pytest

from robot.campaign.open_store import open_store
from robot.campaign.pg_store import redact
from robot.errors import ConfigError, StoreError
from robot.settings import Settings

pytestmark = pytest.mark.integration  # tries a TCP connection on loopback


def test_redact_hides_url_and_keyword_passwords() -> None:
    assert redact("postgresql://robot:s3cr%40t@db:5432/robot") == "postgresql://robot:***@db:5432/robot"
    assert redact("postgresql://db/robot") == "postgresql://db/robot"
    assert redact("host=db password=s3cret dbname=robot") == "host=db password=*** dbname=robot"


def test_an_unreachable_server_is_a_store_error_without_the_password(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once closed
    settings = Settings.model_validate(
        {"campaign": {"store": f"postgresql://robot:TopSecret42@127.0.0.1:{port}/robot?connect_timeout=1"}}
    )
    caplog.set_level(logging.DEBUG)
    with pytest.raises(StoreError) as caught:
        from robot.campaign.pg_store import PgStore

        PgStore(settings.campaign.store.get_secret_value(), connect_timeout_s=1.0)
    assert "TopSecret42" not in str(caught.value) and f"127.0.0.1:{port}" in str(caught.value)
    assert "TopSecret42" not in caplog.text
    assert "TopSecret42" not in repr(settings.campaign) and "TopSecret42" not in str(settings.model_dump())


def test_an_unknown_store_scheme_is_refused() -> None:
    with pytest.raises(ConfigError, match="postgresql://"):
        open_store(Settings.model_validate({"campaign": {"store": "mysql://x"}}).campaign)


def test_a_refused_password_says_so_without_showing_it(pg_server: str) -> None:
    from robot.campaign.pg_store import PgStore

    wrong = pg_server.replace(":s3cret-pw@", ":Wrong-Pw-77@")
    assert wrong != pg_server
    with pytest.raises(StoreError, match="password authentication failed") as caught:
        PgStore(wrong, connect_timeout_s=2.0)
    assert "Wrong-Pw-77" not in str(caught.value) and "s3cret-pw" not in str(caught.value)
