"""AI spend: monthly spend per user, budget reservations in flight, and the usage ledger.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=f"fk_{table}_user_id_users", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "ai_spend",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("spent_micros", sa.BigInteger(), nullable=False),
        _timestamp("updated_at"),
        _user_fk("ai_spend"),
        sa.PrimaryKeyConstraint("user_id", "month", name="pk_ai_spend"),
    )
    op.create_table(
        "ai_reservations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("amount_micros", sa.BigInteger(), nullable=False),
        _timestamp("created_at"),
        _timestamp("expires_at"),
        _user_fk("ai_reservations"),
        sa.PrimaryKeyConstraint("id", name="pk_ai_reservations"),
    )
    op.create_index("ix_ai_reservations_user_id_month", "ai_reservations", ["user_id", "month"])
    op.create_table(
        "ai_usage",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("task", sa.String(40), nullable=False),
        sa.Column("deployment", sa.String(100), nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_micros", sa.BigInteger(), nullable=False),
        _timestamp("created_at"),
        _user_fk("ai_usage"),
        sa.PrimaryKeyConstraint("id", name="pk_ai_usage"),
    )
    op.create_index("ix_ai_usage_user_id_created_at", "ai_usage", ["user_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_ai_usage_user_id_created_at", table_name="ai_usage")
    op.drop_table("ai_usage")
    op.drop_index("ix_ai_reservations_user_id_month", table_name="ai_reservations")
    op.drop_table("ai_reservations")
    op.drop_table("ai_spend")
