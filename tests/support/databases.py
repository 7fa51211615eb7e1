"""Fresh, migrated databases for tests: a SQLite file or a throwaway PostgreSQL database."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import sql

from services.db import run_migrations

# The server's maintenance database (trust auth); test databases are created next to it.
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
POSTGRES_SERVER = "postgres@127.0.0.1:5432"


def sqlite_url(tmp_path: Path, *, migrate: bool = True) -> str:
    """A SQLite file under `tmp_path`, migrated to head."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'huntaze.db'}"
    if migrate:
        run_migrations(url)
    return url


@contextlib.contextmanager
def postgres_database(*, migrate: bool = True) -> Iterator[str]:
    """CREATE a uniquely named database, yield its URL (migrated to head), DROP it after."""
    name = f"huntaze_test_{secrets.token_hex(6)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = f"postgresql+psycopg://{POSTGRES_SERVER}/{name}"
        if migrate:
            run_migrations(url)
        yield url
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextlib.contextmanager
def database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh migrated database of `kind` ("sqlite" under `tmp_path`, or "postgres")."""
    if kind == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        with postgres_database() as url:
            yield url


def terminate_connections(database: str, *, wait: bool = False) -> int:
    """pg_terminate_backend on every connection to `database` (what a failover or an idle
    killer does); how many there were. With `wait`, returns once every one is gone."""
    timeout = ", 5000" if wait else ""  # ms: the server waits for each backend to exit
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        rows = admin.execute(
            f"SELECT pg_terminate_backend(pid{timeout}) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
    if wait and not all(terminated for (terminated,) in rows):
        raise TimeoutError(f"a connection to {database} outlived pg_terminate_backend")
    return len(rows)
