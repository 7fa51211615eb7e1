"""Billing: Stripe customers, subscription details, the credit ledger, invoices, Stripe events.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=f"fk_{table}_user_id_users", ondelete="CASCADE"
    )


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as table:
        table.add_column(sa.Column("price_id", sa.String(255), nullable=False, server_default=""))
        table.add_column(
            sa.Column(
                "cancel_at_period_end", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        table.add_column(_timestamp("cancel_at", nullable=True))
        table.add_column(_timestamp("updated_at", nullable=True))
    op.create_table(
        "billing_customers",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("stripe_customer_id", sa.String(255), nullable=False),
        _timestamp("created_at"),
        _user_fk("billing_customers"),
        sa.PrimaryKeyConstraint("user_id", name="pk_billing_customers"),
        sa.UniqueConstraint("stripe_customer_id", name="uq_billing_customers_stripe_customer_id"),
    )
    op.create_table(
        "credit_accounts",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("balance", sa.Integer(), nullable=False),
        sa.Column("frozen", sa.Integer(), nullable=False),
        sa.Column("allowance_month", sa.String(7), nullable=False),
        sa.Column("allowance_used", sa.Integer(), nullable=False),
        _user_fk("credit_accounts"),
        sa.PrimaryKeyConstraint("user_id", name="pk_credit_accounts"),
        sa.CheckConstraint("balance >= 0", name="ck_credit_accounts_balance_not_negative"),
        sa.CheckConstraint("frozen >= 0", name="ck_credit_accounts_frozen_not_negative"),
        sa.CheckConstraint(
            "allowance_used >= 0", name="ck_credit_accounts_allowance_used_not_negative"
        ),
    )
    op.create_table(
        "credit_entries",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("allowance", sa.Integer(), nullable=False),
        sa.Column("frozen", sa.Integer(), nullable=False),
        sa.Column("balance_after", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        _timestamp("created_at"),
        _user_fk("credit_entries"),
        sa.PrimaryKeyConstraint("id", name="pk_credit_entries"),
        sa.UniqueConstraint("source", name="uq_credit_entries_source"),
    )
    op.create_index(
        "ix_credit_entries_user_id_created_at", "credit_entries", ["user_id", "created_at"]
    )
    op.create_table(
        "credit_grants",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("checkout_session_id", sa.String(255), nullable=False),
        sa.Column("payment_intent_id", sa.String(255), nullable=False),
        sa.Column("pack", sa.String(40), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("amount_paid", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("refund_claimed", sa.Integer(), nullable=False),
        sa.Column("dispute_id", sa.String(255), nullable=False),
        sa.Column("dispute_state", sa.String(10), nullable=False),
        sa.Column("frozen", sa.Integer(), nullable=False),
        _timestamp("created_at"),
        _user_fk("credit_grants"),
        sa.PrimaryKeyConstraint("id", name="pk_credit_grants"),
        sa.UniqueConstraint("checkout_session_id", name="uq_credit_grants_checkout_session_id"),
    )
    op.create_index("ix_credit_grants_user_id", "credit_grants", ["user_id"])
    op.create_index("ix_credit_grants_payment_intent_id", "credit_grants", ["payment_intent_id"])
    op.create_table(
        "invoices",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("subscription_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("number", sa.String(100), nullable=False),
        sa.Column("amount_paid", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("hosted_invoice_url", sa.String(2048), nullable=False),
        _timestamp("period_start", nullable=True),
        _timestamp("period_end", nullable=True),
        _timestamp("paid_at", nullable=True),
        _user_fk("invoices"),
        sa.PrimaryKeyConstraint("id", name="pk_invoices"),
    )
    op.create_index("ix_invoices_user_id_paid_at", "invoices", ["user_id", "paid_at"])
    op.create_table(
        "stripe_events",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("object_id", sa.String(255), nullable=False),
        _timestamp("created"),
        sa.Column("payload", sa.JSON(), nullable=False),
        _timestamp("received_at"),
        _timestamp("processed_at", nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=False),
        _timestamp("next_attempt_at"),
        _timestamp("locked_until", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_stripe_events"),
    )
    op.create_index(
        "ix_stripe_events_pending", "stripe_events", ["processed_at", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_stripe_events_pending", table_name="stripe_events")
    op.drop_table("stripe_events")
    op.drop_index("ix_invoices_user_id_paid_at", table_name="invoices")
    op.drop_table("invoices")
    op.drop_index("ix_credit_grants_payment_intent_id", table_name="credit_grants")
    op.drop_index("ix_credit_grants_user_id", table_name="credit_grants")
    op.drop_table("credit_grants")
    op.drop_index("ix_credit_entries_user_id_created_at", table_name="credit_entries")
    op.drop_table("credit_entries")
    op.drop_table("credit_accounts")
    op.drop_table("billing_customers")
    with op.batch_alter_table("subscriptions") as table:
        table.drop_column("updated_at")
        table.drop_column("cancel_at")
        table.drop_column("cancel_at_period_end")
        table.drop_column("price_id")
