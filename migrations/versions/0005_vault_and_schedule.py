"""The media vault (assets, their tags, the content items using them) and the publishing
schedule (posts, their assets and deliveries, scheduler heartbeats).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _moment(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "assets",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("mime", sa.String(100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_key", sa.String(300), nullable=False),
        sa.Column("thumbnail_key", sa.String(300), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        _moment("created_at"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_assets_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_assets"),
        sa.UniqueConstraint("user_id", "sha256", name="uq_assets_user_id_sha256"),
    )
    op.create_index("ix_assets_user_id_created_at", "assets", ["user_id", "created_at"])
    op.create_table(
        "asset_tags",
        sa.Column("asset_id", sa.String(36), nullable=False),
        sa.Column("tag", sa.String(40), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name="fk_asset_tags_asset_id_assets", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("asset_id", "tag", name="pk_asset_tags"),
    )
    op.create_index("ix_asset_tags_tag", "asset_tags", ["tag"])
    op.create_table(
        "content_assets",
        sa.Column("content_id", sa.String(36), nullable=False),
        sa.Column("asset_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["assets.id"],
            name="fk_content_assets_asset_id_assets",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["content.id"],
            name="fk_content_assets_content_id_content",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("content_id", "asset_id", name="pk_content_assets"),
    )
    op.create_index("ix_content_assets_asset_id", "content_assets", ["asset_id"])

    op.create_table(
        "scheduled_posts",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("content_type", sa.String(20), nullable=False),
        sa.Column("platforms", sa.JSON(), nullable=False),
        sa.Column("campaign_id", sa.String(36), nullable=True),
        sa.Column("content_id", sa.String(36), nullable=True),
        _moment("scheduled_at"),
        sa.Column("status", sa.String(20), nullable=False),
        _moment("due_at"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failure_reason", sa.String(500), nullable=False),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        _moment("lease_until", nullable=True),
        _moment("published_at", nullable=True),
        _moment("created_at"),
        _moment("updated_at"),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name="fk_scheduled_posts_campaign_id_campaigns",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["content.id"],
            name="fk_scheduled_posts_content_id_content",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_scheduled_posts_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_scheduled_posts"),
    )
    op.create_index("ix_scheduled_posts_campaign_id", "scheduled_posts", ["campaign_id"])
    op.create_index("ix_scheduled_posts_status_due_at", "scheduled_posts", ["status", "due_at"])
    op.create_index(
        "ix_scheduled_posts_user_id_scheduled_at", "scheduled_posts", ["user_id", "scheduled_at"]
    )

    op.create_table(
        "post_assets",
        sa.Column("post_id", sa.String(36), nullable=False),
        sa.Column("asset_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name="fk_post_assets_asset_id_assets", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["scheduled_posts.id"],
            name="fk_post_assets_post_id_scheduled_posts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", "asset_id", name="pk_post_assets"),
    )
    op.create_index("ix_post_assets_asset_id", "post_assets", ["asset_id"])

    op.create_table(
        "post_deliveries",
        sa.Column("post_id", sa.String(36), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=False),
        _moment("sent_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["scheduled_posts.id"],
            name="fk_post_deliveries_post_id_scheduled_posts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", "platform", name="pk_post_deliveries"),
    )

    op.create_table(
        "scheduler_heartbeats",
        sa.Column("name", sa.String(100), nullable=False),
        _moment("beat_at"),
        sa.PrimaryKeyConstraint("name", name="pk_scheduler_heartbeats"),
    )


def downgrade() -> None:
    op.drop_table("scheduler_heartbeats")
    op.drop_table("post_deliveries")
    op.drop_index("ix_post_assets_asset_id", table_name="post_assets")
    op.drop_table("post_assets")
    for index in (
        "ix_scheduled_posts_user_id_scheduled_at",
        "ix_scheduled_posts_status_due_at",
        "ix_scheduled_posts_campaign_id",
    ):
        op.drop_index(index, table_name="scheduled_posts")
    op.drop_table("scheduled_posts")
    op.drop_index("ix_content_assets_asset_id", table_name="content_assets")
    op.drop_table("content_assets")
    op.drop_index("ix_asset_tags_tag", table_name="asset_tags")
    op.drop_table("asset_tags")
    op.drop_index("ix_assets_user_id_created_at", table_name="assets")
    op.drop_table("assets")
