"""Analytics rollups leave a fifth of each page free (PostgreSQL fillfactor 80).

Every batch of events adds to rows of these tables. An update that changes no indexed column
and finds room on its own page is a heap-only tuple (HOT) update: no new index entries, and
the old version is pruned in place. With full pages (the default, 100) every update moved
the row to another page and added an entry to each of the table's indexes. SQLite has no
such setting.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLLUPS = (
    "analytics_hourly",
    "analytics_quarter_hourly",
    "analytics_content_days",
    "analytics_fans",
    "analytics_fan_days",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in ROLLUPS:
        op.execute(f"ALTER TABLE {table} SET (fillfactor = 80)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in ROLLUPS:
        op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
