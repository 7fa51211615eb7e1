"""Bulk writes that keep each key once: rows inserted unless their key is stored
(`insert_new_rows`, SQLite), and grouped rows merged into stored ones (`merge_select`).

PostgreSQL takes a batch of events in one statement instead
(services.db.analytics_repositories: a JSON recordset, data-modifying WITH queries): measured on
1,000 events, psycopg's executemany ran the insert once per row (168 ms), arrays through
`unnest` cost ~35 ms of Python quoting every string, a JSON recordset per table ~94 ms in six
statements, one statement ~63 ms. On SQLite (in-process, no round trips) the driver's
executemany is already a C loop over one prepared statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, Table, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

# How a stored row merges with a new one, per column: "add" sums, "min"/"max" keep the smaller
# or larger (NULL meaning "none yet").
ADD, MIN, MAX = "add", "min", "max"


async def insert_new_rows(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: tuple[str, ...],
    returning: str,
) -> list[Any]:
    """SQLite: insert `rows` (dicts with the same columns), skipping those whose `keys` are
    stored; the `returning` column of the rows inserted."""
    if not rows:
        return []
    statement = (
        sqlite.insert(table)
        .on_conflict_do_nothing(index_elements=list(keys))
        .returning(table.c[returning])
    )
    return list((await session.execute(statement, list(rows))).scalars())


def merge_select(
    table: Table, keys: tuple[str, ...], rows: Select[Any], merge: dict[str, str], *, postgres: bool
) -> Any:
    """INSERT INTO table (keys..., merge...) `rows` (a SELECT of those columns, in that order),
    merging a row whose key is stored per `merge`."""
    statement = (postgresql.insert if postgres else sqlite.insert)(table).from_select(
        [*keys, *merge], rows
    )
    new = statement.excluded
    sets: dict[str, Any] = {}
    for name, how in merge.items():
        stored = table.c[name]
        if how == ADD:
            sets[name] = stored + new[name]
        elif postgres:
            # LEAST and GREATEST ignore NULLs.
            sets[name] = (func.least if how == MIN else func.greatest)(stored, new[name])
        else:
            # SQLite's two-argument min()/max() are NULL if either is.
            pick = func.min if how == MIN else func.max
            sets[name] = func.coalesce(pick(stored, new[name]), stored, new[name])
    return statement.on_conflict_do_update(index_elements=list(keys), set_=sets)
