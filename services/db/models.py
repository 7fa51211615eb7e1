"""SQLAlchemy models: the spec's Prisma schema (User, Content, Subscription) plus auth and AI
spend state.

Every foreign key to users cascades on delete in the database itself (SQLite needs
PRAGMA foreign_keys=ON, which services.db.engine sets on every connection), so deleting a user
removes everything the user owns in one statement on both databases.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.expression import false, true

from services.common.ids import new_id
from services.db.columns import UtcDateTime

# Named constraints: stable names for migrations (and batch mode on SQLite needs them).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _user_fk() -> Any:
    return ForeignKey("users.id", ondelete="CASCADE")


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # Always stored normalised (trimmed, lowercase): the unique index is the duplicate check.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    subscription: Mapped[str] = mapped_column(String(20), default="free", server_default="free")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The creator profile (services.users.Profile) as one JSON object.
    profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ContentRow(Base):
    __tablename__ = "content"
    __table_args__ = (Index("ix_content_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36), _user_fk())
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="draft", server_default="draft")
    ai_generated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ContentAssetRow(Base):
    """The vault assets a content item uses, in order."""

    __tablename__ = "content_assets"
    __table_args__ = (Index("ix_content_assets_asset_id", "asset_id"),)

    content_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("content.id", ondelete="CASCADE"), primary_key=True
    )
    asset_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer)


class CampaignRow(Base):
    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36), _user_fk())
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20))
    platforms: Mapped[list[str]] = mapped_column(JSON, default=list)
    budget_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AssetRow(Base):
    """A file in the creator's vault. One row per distinct file (SHA-256) per user: the unique
    constraint is the duplicate check, whichever worker stores the second copy."""

    __tablename__ = "assets"
    __table_args__ = (
        UniqueConstraint("user_id", "sha256", name="uq_assets_user_id_sha256"),
        Index("ix_assets_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36), _user_fk())
    filename: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(20))
    mime: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(300))
    thumbnail_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duration_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AssetTagRow(Base):
    """An asset's tag (a table, not a JSON column: the tag filter is one indexed lookup on
    both databases)."""

    __tablename__ = "asset_tags"
    __table_args__ = (Index("ix_asset_tags_tag", "tag"),)

    asset_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)


class ScheduledPostRow(Base):
    """A post to publish at `scheduled_at` (a UTC instant). `due_at` is when the scheduler next
    tries it (the scheduled time, then each retry's); `claimed_by`/`lease_until` mark the
    scheduler publishing it: a claim whose lease ran out is taken over."""

    __tablename__ = "scheduled_posts"
    __table_args__ = (
        Index("ix_scheduled_posts_user_id_scheduled_at", "user_id", "scheduled_at"),
        Index("ix_scheduled_posts_status_due_at", "status", "due_at"),
        Index("ix_scheduled_posts_campaign_id", "campaign_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36), _user_fk())
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    content_type: Mapped[str] = mapped_column(String(20))
    platforms: Mapped[list[str]] = mapped_column(JSON, default=list)
    campaign_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("campaigns.id", ondelete="SET NULL"), nullable=True
    )
    content_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("content.id", ondelete="SET NULL"), nullable=True
    )
    scheduled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    failure_reason: Mapped[str] = mapped_column(String(500), default="")
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PostAssetRow(Base):
    """The assets a post publishes, in order."""

    __tablename__ = "post_assets"
    __table_args__ = (Index("ix_post_assets_asset_id", "asset_id"),)

    post_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("scheduled_posts.id", ondelete="CASCADE"), primary_key=True
    )
    asset_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer)


class PostDeliveryRow(Base):
    """One platform's send of a post: sent once, with the idempotency key `<post id>:<platform>`."""

    __tablename__ = "post_deliveries"

    post_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("scheduled_posts.id", ondelete="CASCADE"), primary_key=True
    )
    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class SchedulerHeartbeatRow(Base):
    """Each running scheduler's last sign of life (`/api/health` reads the newest)."""

    __tablename__ = "scheduler_heartbeats"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SubscriptionRow(Base):
    __tablename__ = "subscriptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36), _user_fk(), index=True)
    stripe_subscription_id: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(32))
    plan: Mapped[str] = mapped_column(String(20))
    current_period_end: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    price_id: Mapped[str] = mapped_column(String(255), default="", server_default="")
    cancel_at_period_end: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    cancel_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class BillingCustomerRow(Base):
    """The user's Stripe customer: one per user, created once."""

    __tablename__ = "billing_customers"

    user_id: Mapped[str] = mapped_column(String(36), _user_fk(), primary_key=True)
    stripe_customer_id: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CreditAccountRow(Base):
    """Purchased message credits and the month's used allowance; the row is also the lock that
    serialises every change of the user's credits. The CHECKs are the last line: a bug that
    would overdraw fails its transaction instead."""

    __tablename__ = "credit_accounts"
    __table_args__ = (
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        CheckConstraint("frozen >= 0", name="frozen_not_negative"),
        CheckConstraint("allowance_used >= 0", name="allowance_used_not_negative"),
    )

    user_id: Mapped[str] = mapped_column(String(36), _user_fk(), primary_key=True)
    balance: Mapped[int] = mapped_column(Integer, default=0)
    frozen: Mapped[int] = mapped_column(Integer, default=0)
    allowance_month: Mapped[str] = mapped_column(String(7), default="")
    allowance_used: Mapped[int] = mapped_column(Integer, default=0)


class CreditEntryRow(Base):
    """The append-only ledger: one row per change, unique on what caused it."""

    __tablename__ = "credit_entries"
    __table_args__ = (Index("ix_credit_entries_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36), _user_fk())
    source: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(Integer)
    allowance: Mapped[int] = mapped_column(Integer)
    frozen: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CreditGrantRow(Base):
    """What one paid Checkout session granted, and what refunds and a dispute took back."""

    __tablename__ = "credit_grants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36), _user_fk(), index=True)
    checkout_session_id: Mapped[str] = mapped_column(String(255), unique=True)
    payment_intent_id: Mapped[str] = mapped_column(String(255), index=True)
    pack: Mapped[str] = mapped_column(String(40))
    credits: Mapped[int] = mapped_column(Integer)
    amount_paid: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    refund_claimed: Mapped[int] = mapped_column(Integer, default=0)
    dispute_id: Mapped[str] = mapped_column(String(255), default="")
    dispute_state: Mapped[str] = mapped_column(String(10), default="")
    frozen: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InvoiceRow(Base):
    """An invoice the user paid (from invoice.paid, re-fetched)."""

    __tablename__ = "invoices"
    __table_args__ = (Index("ix_invoices_user_id_paid_at", "user_id", "paid_at"),)

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), _user_fk())
    subscription_id: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(100), default="")
    amount_paid: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    hosted_invoice_url: Mapped[str] = mapped_column(String(2048), default="")
    period_start: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    period_end: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class StripeEventRow(Base):
    """Every Stripe event received, stored before it is processed (unique on Stripe's id)."""

    __tablename__ = "stripe_events"
    __table_args__ = (Index("ix_stripe_events_pending", "processed_at", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    object_id: Mapped[str] = mapped_column(String(255))
    created: Mapped[datetime] = mapped_column(UtcDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class RefreshTokenRow(Base):
    """One opaque refresh token (only its SHA-256 is stored). A sign-in starts a family; each
    refresh marks the presented token used and adds its child to the same family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36), _user_fk(), index=True)
    family_id: Mapped[str] = mapped_column(String(36), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    parent_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    replaced_by_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    remember_me: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class SignInThrottleRow(Base):
    """Failed sign-ins of one (e-mail, client address) pair. Keyed by a hash of the normalised
    e-mail, so unknown e-mails are throttled exactly like real accounts (no enumeration), and
    per address, so an attacker elsewhere cannot lock the owner out."""

    __tablename__ = "signin_throttles"

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class AiSpendRow(Base):
    """What one user spent on AI in one calendar month (UTC), in micro-dollars (exact integers).

    The row is also the lock that serialises budget reservations of that user and month."""

    __tablename__ = "ai_spend"

    user_id: Mapped[str] = mapped_column(String(36), _user_fk(), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-11"
    spent_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AiReservationRow(Base):
    """Budget held for an AI call in flight: counted against the budget until settled. A call
    that never settles (a crashed worker) stops counting at `expires_at`."""

    __tablename__ = "ai_reservations"
    __table_args__ = (Index("ix_ai_reservations_user_id_month", "user_id", "month"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36), _user_fk())
    month: Mapped[str] = mapped_column(String(7))
    amount_micros: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AiUsageRow(Base):
    """One settled AI call: who, which task and deployment, tokens and what it cost."""

    __tablename__ = "ai_usage"
    __table_args__ = (Index("ix_ai_usage_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(36), _user_fk())
    task: Mapped[str] = mapped_column(String(40))
    deployment: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(100))
    prompt_tokens: Mapped[int] = mapped_column(Integer)
    completion_tokens: Mapped[int] = mapped_column(Integer)
    cost_micros: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


# Analytics (services.db.analytics_repositories): raw events, and rollups kept in step with them
# in the same transaction. Times are epoch integers: milliseconds for events, bucket numbers
# (epoch seconds // bucket size) and UTC day numbers for rollups.

_Counter = BigInteger


def _counter() -> Any:
    return mapped_column(_Counter, default=0, server_default="0")


class AnalyticsEventRow(Base):
    """Keyed by the caller's id: the key is the duplicate check (no surrogate key, one index
    less to maintain per event)."""

    __tablename__ = "analytics_events"
    __table_args__ = (Index("ix_analytics_events_user_id_occurred_ms", "user_id", "occurred_ms"),)

    user_id: Mapped[str] = mapped_column(String(36), _user_fk(), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(12))
    occurred_ms: Mapped[int] = mapped_column(BigInteger)
    platform: Mapped[str] = mapped_column(String(30), default="")
    source: Mapped[str] = mapped_column(String(12), default="")
    amount_cents: Mapped[int] = _counter()
    fan_id: Mapped[str] = mapped_column(String(64), default="")
    content_id: Mapped[str] = mapped_column(String(64), default="")
    content_type: Mapped[str] = mapped_column(String(30), default="")
    views: Mapped[int] = _counter()
    likes: Mapped[int] = _counter()
    comments: Mapped[int] = _counter()
    messages: Mapped[int] = _counter()


# Rollups take an update per batch of events: free room on each page makes those heap-only
# (HOT) updates, with no new index entries (migration 0007).
ROLLUP_STORAGE = {"postgresql_with": {"fillfactor": 80}}


class _SeriesColumns:
    """Revenue per source (cents) and engagement counts of one UTC bucket."""

    user_id: Mapped[str] = mapped_column(String(36), _user_fk(), primary_key=True)
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    subscription_cents: Mapped[int] = _counter()
    tip_cents: Mapped[int] = _counter()
    ppv_cents: Mapped[int] = _counter()
    message_cents: Mapped[int] = _counter()
    stream_cents: Mapped[int] = _counter()
    referral_cents: Mapped[int] = _counter()
    other_cents: Mapped[int] = _counter()
    views: Mapped[int] = _counter()
    likes: Mapped[int] = _counter()
    comments: Mapped[int] = _counter()
    messages: Mapped[int] = _counter()


class AnalyticsHourlyRow(_SeriesColumns, Base):
    """bucket = epoch seconds // 3600."""

    __tablename__ = "analytics_hourly"
    __table_args__ = ROLLUP_STORAGE


class AnalyticsQuarterHourlyRow(_SeriesColumns, Base):
    """bucket = epoch seconds // 900: exact days for zones offset by half or quarter hours."""

    __tablename__ = "analytics_quarter_hourly"
    __table_args__ = ROLLUP_STORAGE


class AnalyticsContentDayRow(Base):
    """Per content id and type and UTC day (content_id "" for events naming a type only)."""

    __tablename__ = "analytics_content_days"
    __table_args__ = (
        Index("ix_analytics_content_days_user_id_day", "user_id", "day"),
        ROLLUP_STORAGE,
    )

    user_id: Mapped[str] = mapped_column(String(36), _user_fk(), primary_key=True)
    content_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(30), primary_key=True)
    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    revenue_cents: Mapped[int] = _counter()
    views: Mapped[int] = _counter()
    likes: Mapped[int] = _counter()
    comments: Mapped[int] = _counter()


class AnalyticsFanRow(Base):
    """A fan's lifetime: net spend, purchases (revenue above zero), first and last purchase."""

    __tablename__ = "analytics_fans"
    __table_args__ = (
        Index("ix_analytics_fans_user_id_first_purchase_ms", "user_id", "first_purchase_ms"),
        ROLLUP_STORAGE,
    )

    user_id: Mapped[str] = mapped_column(String(36), _user_fk(), primary_key=True)
    fan_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    net_cents: Mapped[int] = _counter()
    purchases: Mapped[int] = _counter()
    first_purchase_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_purchase_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class AnalyticsFanDayRow(Base):
    """A fan's net spend and purchases per UTC day."""

    __tablename__ = "analytics_fan_days"
    __table_args__ = (
        Index("ix_analytics_fan_days_user_id_day", "user_id", "day"),
        ROLLUP_STORAGE,
    )

    user_id: Mapped[str] = mapped_column(String(36), _user_fk(), primary_key=True)
    fan_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    net_cents: Mapped[int] = _counter()
    purchases: Mapped[int] = _counter()
