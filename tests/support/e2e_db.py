"""Direct reads and writes on a stack's database, for what no public endpoint exposes yet
(plan upgrades before billing exists, rows the use cases saved)."""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg

SQLITE_PREFIX = "sqlite+aiosqlite:///"


def query(database_url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run one statement (placeholders: %s) and commit; the rows it returned, if any."""
    if database_url.startswith(SQLITE_PREFIX):
        with sqlite3.connect(database_url.removeprefix(SQLITE_PREFIX)) as connection:
            cursor = connection.execute(sql.replace("%s", "?"), params)
            return cursor.fetchall()
    url = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def set_plan(database_url: str, email: str, plan: str) -> None:
    query(database_url, "UPDATE users SET subscription = %s WHERE email = %s", (plan, email))
