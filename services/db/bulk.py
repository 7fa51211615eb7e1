"""Many rows into one table in one statement: an insert that skips or merges rows whose key is
already stored.

On PostgreSQL the rows travel as one JSON array, turned back into rows by
`json_populate_recordset`: the statement text is fixed and the server runs one statement, not one
per row as with psycopg's executemany (measured on 1,000 events: 168 ms -> 33 ms for the events,
~40 -> ~21 ms per rollup table). JSON rather than one array per column through `unnest`:
psycopg quotes every string of a text array with a regular expression in Python (~35 ms of a
1,000-event batch), json.dumps is C. On SQLite (in-process, no round trips) the driver's
executemany is already a C loop over one prepared statement.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, literal_column, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import TextClause

# How a stored row merges with a new one, per column: "add" sums, "min"/"max" keep the smaller
# or larger (NULL meaning "none yet").
ADD, MIN, MAX = "add", "min", "max"


async def insert_rows(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: tuple[str, ...],
    *,
    merge: dict[str, str] | None = None,
    returning: str | None = None,
) -> list[Any]:
    """Insert `rows` (dicts with the same columns, no key twice); a row whose `keys` are stored
    is skipped (`merge` None) or merged into the stored one. With `returning`, that column of
    the rows inserted or merged."""
    if not rows:
        return []
    columns = tuple(rows[0])
    if session.get_bind().dialect.name == "postgresql":
        statement = _recordset_statement(table, columns, keys, _items(merge), returning)
        result = await session.execute(statement, {"rows": json.dumps(rows)})
    else:
        result = await session.execute(_sqlite_statement(table, keys, merge, returning), list(rows))
    return list(result.scalars()) if returning else []


def _items(merge: dict[str, str] | None) -> tuple[tuple[str, str], ...] | None:
    return None if merge is None else tuple(sorted(merge.items()))


@functools.cache
def _recordset_statement(
    table: Table,
    columns: tuple[str, ...],
    keys: tuple[str, ...],
    merge: tuple[tuple[str, str], ...] | None,
    returning: str | None,
) -> TextClause:
    names = ", ".join(columns)
    sql = (
        f"INSERT INTO {table.name} ({names}) SELECT {names} "
        f"FROM json_populate_recordset(NULL::{table.name}, CAST(:rows AS json)) "
        f"ON CONFLICT ({', '.join(keys)}) "
    )
    if merge is None:
        sql += "DO NOTHING"
    else:
        sql += "DO UPDATE SET " + ", ".join(
            f"{name} = {_merged(table.name, name, how)}" for name, how in merge
        )
    if returning:
        sql += f" RETURNING {returning}"
    return text(sql)


def _merged(table: str, name: str, how: str) -> str:
    stored, new = f"{table}.{name}", f"excluded.{name}"
    # LEAST and GREATEST ignore NULLs.
    return {
        ADD: f"{stored} + {new}",
        MIN: f"LEAST({stored}, {new})",
        MAX: f"GREATEST({stored}, {new})",
    }[how]


def _sqlite_statement(
    table: Table, keys: tuple[str, ...], merge: dict[str, str] | None, returning: str | None
) -> Any:
    statement = sqlite.insert(table)
    new = statement.excluded
    if merge is None:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    else:
        sets = {}
        for name, how in merge.items():
            stored = table.c[name]
            if how == ADD:
                sets[name] = stored + new[name]
            else:
                # SQLite's two-argument min()/max() return NULL if either is NULL.
                pick = "min" if how == MIN else "max"
                sets[name] = literal_column(
                    f"coalesce({pick}({table.name}.{name}, excluded.{name}), "
                    f"{table.name}.{name}, excluded.{name})"
                )
        statement = statement.on_conflict_do_update(index_elements=list(keys), set_=sets)
    if returning:
        statement = statement.returning(table.c[returning])
    return statement
