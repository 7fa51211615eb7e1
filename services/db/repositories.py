"""The repositories the use cases' ports describe, over SQLAlchemy: rows in, records out.

Each maps between the ORM rows of services/db/models.py and the domain records of the package
whose port it implements; a unique-index violation becomes the domain's Conflict here, so no use
case sees a SQLAlchemy exception.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, and_, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.ai.budget import Reservation, UsageRecord
from services.auth.model import RefreshToken, Throttle
from services.common.pages import Position
from services.content.model import ContentFilter, ContentItem
from services.db.models import (
    AiReservationRow,
    AiSpendRow,
    AiUsageRow,
    ContentAssetRow,
    ContentRow,
    RefreshTokenRow,
    SignInThrottleRow,
    UserRow,
)
from services.errors import Conflict, NotFound
from services.users.model import Account, Profile

DUPLICATE_EMAIL = "an account with this e-mail already exists"
USERS: Table = UserRow.__table__  # type: ignore[assignment]
REFRESH_TOKENS: Table = RefreshTokenRow.__table__  # type: ignore[assignment]
SIGNIN_THROTTLES: Table = SignInThrottleRow.__table__  # type: ignore[assignment]


def is_foreign_key_violation(error: IntegrityError) -> bool:
    """Whether the statement referred to a row that does not exist (SQLite or PostgreSQL)."""
    driver_error = error.orig
    return (
        getattr(driver_error, "sqlite_errorcode", None) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
        or getattr(driver_error, "sqlstate", None) == "23503"  # foreign_key_violation
    )


def insert_for(session: AsyncSession) -> Callable[..., Any]:
    """The dialect's INSERT, which knows ON CONFLICT DO NOTHING."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def newest_first(query: Select[Any], row: Any, after: Position | None, limit: int) -> Select[Any]:
    """One cursor page of `query` over a table with `created_at` and `id` (services.common.pages):
    newest first, strictly after `after`."""
    if after is not None:
        query = query.where(
            or_(
                row.created_at < after.created_at,
                and_(row.created_at == after.created_at, row.id < after.id),
            )
        )
    return query.order_by(row.created_at.desc(), row.id.desc()).limit(limit)


def account_of(row: Any) -> Account:
    """The account of a users row (a UserRow, or anything with its columns as attributes)."""
    return Account(
        id=row.id,
        email=row.email,
        name=row.name,
        password_hash=row.password_hash,
        subscription=row.subscription,
        is_active=row.is_active,
        profile=Profile.from_json(row.profile),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _account_columns(account: Account) -> dict[str, Any]:
    return {
        "email": account.email,
        "name": account.name,
        "password_hash": account.password_hash,
        "subscription": account.subscription,
        "is_active": account.is_active,
        "profile": account.profile.to_json(),
        "created_at": account.created_at,
        "updated_at": account.updated_at,
    }


class SqlUsers:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, account: Account) -> None:
        """Inserted now, so a taken e-mail is a Conflict here rather than at commit."""
        self._session.add(UserRow(id=account.id, **_account_columns(account)))
        try:
            await self._session.flush()
        except IntegrityError as error:
            raise Conflict(DUPLICATE_EMAIL) from error

    async def get(self, user_id: str) -> Account | None:
        return await self._one(USERS.c.id == user_id)

    async def get_by_email(self, email: str) -> Account | None:
        return await self._one(USERS.c.email == email)

    async def _one(self, condition: Any) -> Account | None:
        # A Core statement: an ORM read (identity map, instance state) cost more than the read.
        found = await self._session.execute(select(USERS).where(condition))
        row = found.first()
        return None if row is None else account_of(row)

    async def save(self, account: Account) -> None:
        await self._session.execute(
            update(UserRow).where(UserRow.id == account.id).values(**_account_columns(account))
        )

    async def delete(self, user_id: str) -> bool:
        """The database cascades to everything the user owns."""
        result = await self._session.execute(delete(UserRow).where(UserRow.id == user_id))
        return result.rowcount > 0

    async def list(self, *, email_contains: str = "", limit: int = 100) -> list[Account]:
        query = select(UserRow).order_by(UserRow.created_at, UserRow.id).limit(limit)
        if email_contains:
            query = query.where(UserRow.email.contains(email_contains, autoescape=True))
        return [account_of(row) for row in await self._session.scalars(query)]


def _refresh_token(row: RefreshTokenRow) -> RefreshToken:
    return RefreshToken(
        id=row.id,
        user_id=row.user_id,
        family_id=row.family_id,
        token_hash=row.token_hash,
        remember_me=row.remember_me,
        created_at=row.created_at,
        expires_at=row.expires_at,
        parent_id=row.parent_id,
        replaced_by_id=row.replaced_by_id,
        used_at=row.used_at,
        revoked_at=row.revoked_at,
    )


class SqlRefreshTokens:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: RefreshToken) -> None:
        # A Core INSERT: the ORM's flush of one new row cost more than the statement.
        await self._session.execute(
            insert(REFRESH_TOKENS).values(
                id=token.id,
                user_id=token.user_id,
                family_id=token.family_id,
                token_hash=token.token_hash,
                remember_me=token.remember_me,
                created_at=token.created_at,
                expires_at=token.expires_at,
                parent_id=token.parent_id,
                replaced_by_id=token.replaced_by_id,
                used_at=token.used_at,
                revoked_at=token.revoked_at,
            )
        )

    async def get_by_hash(
        self, token_hash: str, *, for_update: bool = False
    ) -> RefreshToken | None:
        """`for_update` locks the row on PostgreSQL (SQLite serialises writers anyway)."""
        query = select(RefreshTokenRow).where(RefreshTokenRow.token_hash == token_hash)
        if for_update:
            query = query.with_for_update()
        row = await self._session.scalar(query.execution_options(populate_existing=True))
        return None if row is None else _refresh_token(row)

    async def mark_used(self, token_id: str, *, replaced_by_id: str, now: datetime) -> bool:
        result = await self._session.execute(
            update(RefreshTokenRow)
            .where(
                RefreshTokenRow.id == token_id,
                RefreshTokenRow.used_at.is_(None),
                RefreshTokenRow.revoked_at.is_(None),
            )
            .values(used_at=now, replaced_by_id=replaced_by_id)
        )
        return result.rowcount == 1

    async def revoke_unused(
        self, family_id: str, *, except_id: str, created_before: datetime, now: datetime
    ) -> int:
        result = await self._session.execute(
            update(RefreshTokenRow)
            .where(
                RefreshTokenRow.family_id == family_id,
                RefreshTokenRow.id != except_id,
                RefreshTokenRow.used_at.is_(None),
                RefreshTokenRow.revoked_at.is_(None),
                RefreshTokenRow.created_at <= created_before,
            )
            .values(revoked_at=now)
        )
        return result.rowcount

    async def revoke_family(self, family_id: str, *, now: datetime) -> int:
        return await self._revoke(RefreshTokenRow.family_id == family_id, now)

    async def revoke_all_of_user(self, user_id: str, *, now: datetime) -> int:
        return await self._revoke(RefreshTokenRow.user_id == user_id, now)

    async def _revoke(self, which: Any, now: datetime) -> int:
        result = await self._session.execute(
            update(RefreshTokenRow)
            .where(which, RefreshTokenRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return result.rowcount


def _throttle(row: Any) -> Throttle:
    """The throttle of a signin_throttles row (a SignInThrottleRow, or a Core row)."""
    return Throttle(
        failures=row.failures, last_failed_at=row.last_failed_at, locked_until=row.locked_until
    )


class SqlSignInThrottles:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def _pair(self, email_hash: str, client_address: str) -> tuple[Any, Any]:
        return (
            SIGNIN_THROTTLES.c.email_hash == email_hash,
            SIGNIN_THROTTLES.c.client_address == client_address,
        )

    async def get(self, email_hash: str, client_address: str) -> Throttle | None:
        found = await self._session.execute(
            select(SIGNIN_THROTTLES).where(*self._pair(email_hash, client_address))
        )
        row = found.first()
        return None if row is None else _throttle(row)

    async def get_for_update(
        self, email_hash: str, client_address: str, *, now: datetime
    ) -> Throttle:
        """Created if missing and then locked (FOR UPDATE on PostgreSQL; SQLite writers are
        serialised), so concurrent failures queue and are all counted."""
        await self._session.execute(
            insert_for(self._session)(SignInThrottleRow)
            .values(
                email_hash=email_hash,
                client_address=client_address,
                failures=0,
                last_failed_at=now,
                locked_until=None,
            )
            .on_conflict_do_nothing()
        )
        row = await self._session.scalar(
            select(SignInThrottleRow)
            .where(*self._pair(email_hash, client_address))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        assert row is not None  # inserted above, and only deleted by clear() of this pair
        return _throttle(row)

    async def save(self, email_hash: str, client_address: str, throttle: Throttle) -> None:
        await self._session.execute(
            update(SignInThrottleRow)
            .where(*self._pair(email_hash, client_address))
            .values(
                failures=throttle.failures,
                last_failed_at=throttle.last_failed_at,
                locked_until=throttle.locked_until,
            )
        )

    async def clear(self, email_hash: str, client_address: str) -> None:
        await self._session.execute(
            delete(SIGNIN_THROTTLES).where(*self._pair(email_hash, client_address))
        )


def _content_item(row: ContentRow) -> ContentItem:
    return ContentItem(
        id=row.id,
        user_id=row.user_id,
        title=row.title,
        body=row.body,
        type=row.type,
        status=row.status,
        ai_generated=row.ai_generated,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlContentItems:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_all(self, items: list[ContentItem]) -> None:
        """New items and their asset links: one multi-row INSERT each (Core statements, so no
        ORM flush: content ideas saves three at a time and this was most of its CPU). An item
        whose user does not exist (deleted meanwhile) is NotFound."""
        if not items:
            return
        rows = [
            {
                "id": item.id,
                "user_id": item.user_id,
                "title": item.title,
                "body": item.body,
                "type": item.type,
                "status": item.status,
                "ai_generated": item.ai_generated,
                "created_at": item.created_at,
                "updated_at": item.updated_at,
            }
            for item in items
        ]
        try:
            await self._session.execute(insert(ContentRow), rows)
        except IntegrityError as error:
            if is_foreign_key_violation(error):  # the user's only foreign key
                raise NotFound("user not found") from error
            raise
        links = [
            {"content_id": item.id, "asset_id": asset_id, "position": index}
            for item in items
            for index, asset_id in enumerate(item.asset_ids)
        ]
        if links:
            await self._session.execute(insert(ContentAssetRow), links)

    async def _link_assets(self, item: ContentItem) -> None:
        await self._session.execute(
            delete(ContentAssetRow).where(ContentAssetRow.content_id == item.id)
        )
        if item.asset_ids:
            await self._session.execute(
                insert(ContentAssetRow),
                [
                    {"content_id": item.id, "asset_id": asset_id, "position": index}
                    for index, asset_id in enumerate(item.asset_ids)
                ],
            )

    async def _items(self, rows: Iterable[ContentRow]) -> list[ContentItem]:
        """Items with their linked assets (one query for all of them)."""
        items = [_content_item(row) for row in rows]
        if not items:
            return items
        linked: dict[str, list[str]] = {item.id: [] for item in items}
        found = await self._session.execute(
            select(ContentAssetRow.content_id, ContentAssetRow.asset_id)
            .where(ContentAssetRow.content_id.in_(list(linked)))
            .order_by(ContentAssetRow.content_id, ContentAssetRow.position)
        )
        for content_id, asset_id in found:
            linked[content_id].append(asset_id)
        return [dataclasses.replace(item, asset_ids=tuple(linked[item.id])) for item in items]

    async def list_for_user(self, user_id: str) -> list[ContentItem]:
        query = (
            select(ContentRow)
            .where(ContentRow.user_id == user_id)
            .order_by(ContentRow.created_at.desc(), ContentRow.id)
        )
        return await self._items(await self._session.scalars(query))

    async def list_page(
        self, user_id: str, which: ContentFilter, *, after: Position | None, limit: int
    ) -> list[ContentItem]:
        query = select(ContentRow).where(ContentRow.user_id == user_id)
        if which.status:
            query = query.where(ContentRow.status == which.status)
        if which.type:
            query = query.where(ContentRow.type == which.type)
        rows = await self._session.scalars(newest_first(query, ContentRow, after, limit))
        return await self._items(rows)

    async def get(self, user_id: str, item_id: str) -> ContentItem | None:
        row = await self._session.get(ContentRow, item_id)
        if row is None or row.user_id != user_id:
            return None
        (item,) = await self._items([row])
        return item

    async def save(self, item: ContentItem) -> None:
        await self._session.execute(
            update(ContentRow)
            .where(ContentRow.id == item.id, ContentRow.user_id == item.user_id)
            .values(
                title=item.title,
                body=item.body,
                type=item.type,
                status=item.status,
                updated_at=item.updated_at,
            )
        )
        await self._link_assets(item)

    async def delete(self, user_id: str, item_id: str) -> bool:
        result = await self._session.execute(
            delete(ContentRow).where(ContentRow.id == item_id, ContentRow.user_id == user_id)
        )
        return result.rowcount > 0


class SqlAiSpendLedger:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock_month(self, user_id: str, month: str, *, now: datetime) -> int:
        """The row is created if missing, then locked until commit (FOR UPDATE on PostgreSQL;
        SQLite write transactions are serialised) so reservations queue."""
        await self._session.execute(
            insert_for(self._session)(AiSpendRow)
            .values(user_id=user_id, month=month, spent_micros=0, updated_at=now)
            .on_conflict_do_nothing()
        )
        spent = await self._session.scalar(
            select(AiSpendRow.spent_micros)
            .where(AiSpendRow.user_id == user_id, AiSpendRow.month == month)
            .with_for_update()
        )
        assert spent is not None  # inserted above; only a user delete removes it
        return int(spent)

    async def reserved_micros(self, user_id: str, month: str, *, now: datetime) -> int:
        mine = (AiReservationRow.user_id == user_id, AiReservationRow.month == month)
        await self._session.execute(
            delete(AiReservationRow).where(*mine, AiReservationRow.expires_at <= now)
        )
        total = await self._session.scalar(
            select(func.coalesce(func.sum(AiReservationRow.amount_micros), 0)).where(*mine)
        )
        return int(total or 0)

    async def add_reservation(
        self, reservation: Reservation, *, created_at: datetime, expires_at: datetime
    ) -> None:
        self._session.add(
            AiReservationRow(
                id=reservation.id,
                user_id=reservation.user_id,
                month=reservation.month,
                amount_micros=reservation.amount_micros,
                created_at=created_at,
                expires_at=expires_at,
            )
        )
        await self._session.flush()

    async def settle(
        self, reservation_id: str, *, user_id: str, month: str, cost_micros: int, now: datetime
    ) -> None:
        await self._session.execute(
            delete(AiReservationRow).where(AiReservationRow.id == reservation_id)
        )
        await self._session.execute(
            update(AiSpendRow)
            .where(AiSpendRow.user_id == user_id, AiSpendRow.month == month)
            .values(spent_micros=AiSpendRow.spent_micros + cost_micros, updated_at=now)
        )

    async def add_usage(self, user_id: str, record: UsageRecord, *, now: datetime) -> None:
        self._session.add(
            AiUsageRow(
                user_id=user_id,
                task=record.task,
                deployment=record.deployment,
                model=record.model,
                prompt_tokens=record.usage.prompt_tokens,
                completion_tokens=record.usage.completion_tokens,
                cost_micros=record.cost_micros,
                created_at=now,
            )
        )
        await self._session.flush()

    async def spent_micros(self, user_id: str, month: str) -> int:
        row = await self._session.get(AiSpendRow, (user_id, month))
        return row.spent_micros if row is not None else 0
