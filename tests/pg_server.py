"""A throwaway PostgreSQL server for the tests: initdb in a temporary directory, loopback only, a password user.

Debian's `postgresql` package provides the binaries (/usr/lib/postgresql/<version>/bin; `.ci/run` installs it when
missing). initdb refuses to run as root: as root the cluster belongs to the `postgres` system user (runuser)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

USER, PASSWORD = "robot", "s3cret-pw"


class PgUnavailable(RuntimeError):
    pass


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise PgUnavailable(
            "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb): "
            "apt-get install postgresql (.ci/run does it)"
        )
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yields the DSN of a fresh server (its data directory is removed afterwards)."""
    bindir = _bindir()
    root = Path(tempfile.mkdtemp(prefix="robot-pg-"))
    as_root = os.geteuid() == 0
    prefix: list[str] = []
    if as_root:
        if shutil.which("runuser") is None:
            raise PgUnavailable("running as root and runuser is missing: cannot run initdb as the postgres user")
        prefix = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres")
    data, pwfile, port = root / "data", root / "pw", _free_port()
    pwfile.write_text(PASSWORD + "\n", encoding="utf-8")
    if as_root:
        shutil.chown(pwfile, "postgres")
    try:
        run = [*prefix, str(bindir / "initdb"), "-D", str(data), "-U", USER, f"--pwfile={pwfile}"]
        _check([*run, "--auth=scram-sha-256", "-E", "UTF8", "--no-sync"], "initdb")
        opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100"
        _check(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start"],
            "pg_ctl start",
        )
        try:
            yield f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(
                [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True,
                check=False,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _check(cmd: list[str], what: str) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)
    if done.returncode != 0:
        raise PgUnavailable(f"{what} failed ({done.returncode}): {done.stderr.strip()[-1500:]}")


def fresh_database(dsn: str, name: str) -> str:
    """A new empty database on the server; its DSN."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return dsn.rsplit("/", 1)[0] + "/" + name
