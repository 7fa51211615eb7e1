"""Analytics: raw events and their rollups (hourly and quarter-hourly series, content per day,
fans and fans per day).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SERIES_COUNTERS = (
    "subscription_cents",
    "tip_cents",
    "ppv_cents",
    "message_cents",
    "stream_cents",
    "referral_cents",
    "other_cents",
    "views",
    "likes",
    "comments",
    "messages",
)


def _counter(name: str) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), server_default="0", nullable=False)


def _user(table: str) -> list[sa.SchemaItem]:
    return [
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=f"fk_{table}_user_id_users", ondelete="CASCADE"
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "analytics_events",
        *_user("analytics_events"),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(12), nullable=False),
        sa.Column("occurred_ms", sa.BigInteger(), nullable=False),
        sa.Column("platform", sa.String(30), nullable=False),
        sa.Column("source", sa.String(12), nullable=False),
        _counter("amount_cents"),
        sa.Column("fan_id", sa.String(64), nullable=False),
        sa.Column("content_id", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(30), nullable=False),
        _counter("views"),
        _counter("likes"),
        _counter("comments"),
        _counter("messages"),
        sa.PrimaryKeyConstraint("user_id", "event_id", name="pk_analytics_events"),
    )
    op.create_index(
        "ix_analytics_events_user_id_occurred_ms", "analytics_events", ["user_id", "occurred_ms"]
    )
    for table in ("analytics_hourly", "analytics_quarter_hourly"):
        op.create_table(
            table,
            *_user(table),
            sa.Column("bucket", sa.BigInteger(), nullable=False),
            *(_counter(name) for name in SERIES_COUNTERS),
            sa.PrimaryKeyConstraint("user_id", "bucket", name=f"pk_{table}"),
        )
    op.create_table(
        "analytics_content_days",
        *_user("analytics_content_days"),
        sa.Column("content_id", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(30), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        _counter("revenue_cents"),
        _counter("views"),
        _counter("likes"),
        _counter("comments"),
        sa.PrimaryKeyConstraint(
            "user_id", "content_id", "content_type", "day", name="pk_analytics_content_days"
        ),
    )
    op.create_index(
        "ix_analytics_content_days_user_id_day", "analytics_content_days", ["user_id", "day"]
    )
    op.create_table(
        "analytics_fans",
        *_user("analytics_fans"),
        sa.Column("fan_id", sa.String(64), nullable=False),
        _counter("net_cents"),
        _counter("purchases"),
        sa.Column("first_purchase_ms", sa.BigInteger(), nullable=True),
        sa.Column("last_purchase_ms", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("user_id", "fan_id", name="pk_analytics_fans"),
    )
    op.create_index(
        "ix_analytics_fans_user_id_first_purchase_ms",
        "analytics_fans",
        ["user_id", "first_purchase_ms"],
    )
    op.create_table(
        "analytics_fan_days",
        *_user("analytics_fan_days"),
        sa.Column("fan_id", sa.String(64), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        _counter("net_cents"),
        _counter("purchases"),
        sa.PrimaryKeyConstraint("user_id", "fan_id", "day", name="pk_analytics_fan_days"),
    )
    op.create_index("ix_analytics_fan_days_user_id_day", "analytics_fan_days", ["user_id", "day"])


def downgrade() -> None:
    for table in (
        "analytics_fan_days",
        "analytics_fans",
        "analytics_content_days",
        "analytics_quarter_hourly",
        "analytics_hourly",
        "analytics_events",
    ):
        op.drop_table(table)
