"""An in-memory unit of work with every repository the use cases' ports describe: what the use
cases' unit tests run on (no database). tests/integration/db/test_repository_contract.py runs the
same behaviours against it and against SQLite and PostgreSQL, so it cannot drift from them.

Like SQLite, write units of work run one at a time (an asyncio lock held for the whole unit);
each works on a copy of the data that becomes the data only on commit.
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import TracebackType

from services.ai.budget import Reservation, UsageRecord
from services.auth.model import RefreshToken, Throttle
from services.campaigns.model import Campaign
from services.common.ids import new_id
from services.common.pages import Position
from services.content.model import ContentFilter, ContentItem
from services.errors import Conflict, NotFound
from services.users.model import Account, Profile
from support.billing_fakes import (
    BillingTables,
    MemoryBillingCustomers,
    MemoryCredits,
    MemoryInvoices,
    MemoryStripeEvents,
    MemorySubscriptions,
)

ACCOUNT_CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def an_account(**fields: object) -> Account:
    """An account as a test needs one: a free, active Ada unless `fields` say otherwise."""
    values: dict[str, object] = {
        "id": new_id(),
        "email": "ada@example.com",
        "name": "Ada",
        "password_hash": "$argon2id$not-used",
        "subscription": "free",
        "is_active": True,
        "profile": Profile(),
        "created_at": ACCOUNT_CREATED,
        "updated_at": ACCOUNT_CREATED,
    }
    values.update(fields)
    return Account(**values)  # type: ignore[arg-type]


@dataclass
class Tables:
    accounts: dict[str, Account] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    throttles: dict[tuple[str, str], Throttle] = field(default_factory=dict)
    content: dict[str, ContentItem] = field(default_factory=dict)
    spent: dict[tuple[str, str], int] = field(default_factory=dict)
    # reservation id -> (reservation, expires_at)
    reservations: dict[str, tuple[Reservation, datetime]] = field(default_factory=dict)
    usage: list[tuple[str, UsageRecord, datetime]] = field(default_factory=list)
    billing: BillingTables = field(default_factory=BillingTables)
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    owned_asset_ids: dict[str, set[str]] = field(default_factory=dict)


class MemoryUsers:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add(self, account: Account) -> None:
        if any(other.email == account.email for other in self._t.accounts.values()):
            raise Conflict("an account with this e-mail already exists")
        self._t.accounts[account.id] = account

    async def get(self, user_id: str) -> Account | None:
        return self._t.accounts.get(user_id)

    async def get_by_email(self, email: str) -> Account | None:
        return next((a for a in self._t.accounts.values() if a.email == email), None)

    async def save(self, account: Account) -> None:
        if account.id in self._t.accounts:
            self._t.accounts[account.id] = account

    async def delete(self, user_id: str) -> bool:
        """Everything the user owns goes too, as the database's cascades do."""
        if self._t.accounts.pop(user_id, None) is None:
            return False
        for table in (self._t.refresh_tokens, self._t.content, self._t.campaigns):
            for key in [key for key, row in table.items() if row.user_id == user_id]:
                del table[key]
        for key in [key for key in self._t.spent if key[0] == user_id]:
            del self._t.spent[key]
        for key in [k for k, (r, _) in self._t.reservations.items() if r.user_id == user_id]:
            del self._t.reservations[key]
        self._t.usage = [entry for entry in self._t.usage if entry[0] != user_id]
        return True

    async def list(self, *, email_contains: str = "", limit: int = 100) -> list[Account]:
        found = [a for a in self._t.accounts.values() if email_contains in a.email]
        return sorted(found, key=lambda a: (a.created_at, a.id))[:limit]


class MemoryRefreshTokens:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add(self, token: RefreshToken) -> None:
        if any(t.token_hash == token.token_hash for t in self._t.refresh_tokens.values()):
            raise ValueError("duplicate token hash")
        self._t.refresh_tokens[token.id] = token

    async def get_by_hash(
        self, token_hash: str, *, for_update: bool = False
    ) -> RefreshToken | None:
        tokens = self._t.refresh_tokens.values()
        return next((t for t in tokens if t.token_hash == token_hash), None)

    async def mark_used(self, token_id: str, *, replaced_by_id: str, now: datetime) -> bool:
        token = self._t.refresh_tokens.get(token_id)
        if token is None or token.used_at is not None or token.revoked_at is not None:
            return False
        self._t.refresh_tokens[token_id] = replace(
            token, used_at=now, replaced_by_id=replaced_by_id
        )
        return True

    async def revoke_unused(
        self, family_id: str, *, except_id: str, created_before: datetime, now: datetime
    ) -> int:
        return self._revoke(
            lambda t: (
                t.family_id == family_id
                and t.id != except_id
                and t.used_at is None
                and t.created_at <= created_before
            ),
            now,
        )

    async def revoke_family(self, family_id: str, *, now: datetime) -> int:
        return self._revoke(lambda t: t.family_id == family_id, now)

    async def revoke_all_of_user(self, user_id: str, *, now: datetime) -> int:
        return self._revoke(lambda t: t.user_id == user_id, now)

    def _revoke(self, which: object, now: datetime) -> int:
        revoked = 0
        for token_id, token in list(self._t.refresh_tokens.items()):
            if token.revoked_at is None and which(token):  # type: ignore[operator]
                self._t.refresh_tokens[token_id] = replace(token, revoked_at=now)
                revoked += 1
        return revoked


class MemorySignInThrottles:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def get(self, email_hash: str, client_address: str) -> Throttle | None:
        return self._t.throttles.get((email_hash, client_address))

    async def get_for_update(
        self, email_hash: str, client_address: str, *, now: datetime
    ) -> Throttle:
        return self._t.throttles.setdefault(
            (email_hash, client_address), Throttle(failures=0, last_failed_at=now)
        )

    async def save(self, email_hash: str, client_address: str, throttle: Throttle) -> None:
        if (email_hash, client_address) in self._t.throttles:
            self._t.throttles[email_hash, client_address] = throttle

    async def clear(self, email_hash: str, client_address: str) -> None:
        self._t.throttles.pop((email_hash, client_address), None)


class MemoryContentItems:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add_all(self, items: list[ContentItem]) -> None:
        for item in items:
            if item.user_id not in self._t.accounts:
                raise NotFound("user not found")  # as the foreign key refuses it
            self._t.content[item.id] = item

    async def list_for_user(self, user_id: str) -> list[ContentItem]:
        mine = sorted(
            (item for item in self._t.content.values() if item.user_id == user_id),
            key=lambda item: item.id,
        )
        return sorted(mine, key=lambda item: item.created_at, reverse=True)  # newest first

    async def list_page(
        self, user_id: str, which: ContentFilter, *, after: Position | None, limit: int
    ) -> list[ContentItem]:
        mine = [
            item
            for item in self._t.content.values()
            if item.user_id == user_id
            and which.status in ("", item.status)
            and which.type in ("", item.type)
            and (after is None or (item.created_at, item.id) < (after.created_at, after.id))
        ]
        mine.sort(key=lambda item: (item.created_at, item.id), reverse=True)
        return mine[:limit]

    async def get(self, user_id: str, item_id: str) -> ContentItem | None:
        item = self._t.content.get(item_id)
        return item if item is not None and item.user_id == user_id else None

    async def save(self, item: ContentItem) -> None:
        if await self.get(item.user_id, item.id) is not None:
            self._t.content[item.id] = item

    async def delete(self, user_id: str, item_id: str) -> bool:
        if await self.get(user_id, item_id) is None:
            return False
        del self._t.content[item_id]
        return True


class MemoryCampaigns:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def add(self, campaign: Campaign) -> None:
        if campaign.user_id not in self._t.accounts:
            raise ValueError("a campaign of an unknown user (a foreign key would refuse it)")
        self._t.campaigns[campaign.id] = campaign

    async def get(self, user_id: str, campaign_id: str) -> Campaign | None:
        campaign = self._t.campaigns.get(campaign_id)
        return campaign if campaign is not None and campaign.user_id == user_id else None

    async def list_page(
        self, user_id: str, *, after: Position | None, limit: int
    ) -> list[Campaign]:
        mine = [
            c
            for c in self._t.campaigns.values()
            if c.user_id == user_id
            and (after is None or (c.created_at, c.id) < (after.created_at, after.id))
        ]
        mine.sort(key=lambda c: (c.created_at, c.id), reverse=True)
        return mine[:limit]

    async def save(self, campaign: Campaign) -> None:
        if await self.get(campaign.user_id, campaign.id) is not None:
            self._t.campaigns[campaign.id] = campaign

    async def delete(self, user_id: str, campaign_id: str) -> bool:
        if await self.get(user_id, campaign_id) is None:
            return False
        del self._t.campaigns[campaign_id]
        return True


class MemoryAiSpendLedger:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def lock_month(self, user_id: str, month: str, *, now: datetime) -> int:
        return self._t.spent.setdefault((user_id, month), 0)

    async def reserved_micros(self, user_id: str, month: str, *, now: datetime) -> int:
        for key, (reservation, expires_at) in list(self._t.reservations.items()):
            if (reservation.user_id, reservation.month) == (user_id, month) and expires_at <= now:
                del self._t.reservations[key]
        return sum(
            reservation.amount_micros
            for reservation, _ in self._t.reservations.values()
            if (reservation.user_id, reservation.month) == (user_id, month)
        )

    async def add_reservation(
        self, reservation: Reservation, *, created_at: datetime, expires_at: datetime
    ) -> None:
        assert reservation.id is not None
        self._t.reservations[reservation.id] = (reservation, expires_at)

    async def settle(
        self, reservation_id: str, *, user_id: str, month: str, cost_micros: int, now: datetime
    ) -> None:
        self._t.reservations.pop(reservation_id, None)
        if (user_id, month) in self._t.spent:
            self._t.spent[user_id, month] += cost_micros

    async def add_usage(self, user_id: str, record: UsageRecord, *, now: datetime) -> None:
        self._t.usage.append((user_id, record, now))

    async def spent_micros(self, user_id: str, month: str) -> int:
        return self._t.spent.get((user_id, month), 0)


class MemoryOwnedAssets:
    """The vault in memory: the ids in `owned_asset_ids` of the tables (user -> ids)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    async def owned(self, user_id: str, asset_ids: list[str]) -> set[str]:
        return set(asset_ids) & self._t.owned_asset_ids.get(user_id, set())


class MemoryCampaignPosts:
    """No scheduled posts in memory: every campaign counts none."""

    async def counts(self, campaign_ids: list[str]) -> dict[str, dict[str, int]]:
        return {campaign_id: {} for campaign_id in campaign_ids}


class MemoryUnitOfWork:
    def __init__(self, database: MemoryDatabase, *, write: bool) -> None:
        self._database = database
        self._write = write

    async def __aenter__(self) -> MemoryUnitOfWork:
        if self._write:
            await self._database.writer.acquire()
        self._tables = copy.deepcopy(self._database.tables)
        self.users = MemoryUsers(self._tables)
        self.refresh_tokens = MemoryRefreshTokens(self._tables)
        self.signin_throttles = MemorySignInThrottles(self._tables)
        self.content = MemoryContentItems(self._tables)
        self.ai_spend = MemoryAiSpendLedger(self._tables)
        self.customers = MemoryBillingCustomers(self._tables.billing)
        self.subscriptions = MemorySubscriptions(self._tables.billing)
        self.credits = MemoryCredits(self._tables.billing)
        self.invoices = MemoryInvoices(self._tables.billing)
        self.stripe_events = MemoryStripeEvents(self._tables.billing)
        self.campaigns = MemoryCampaigns(self._tables)
        self.posts = MemoryCampaignPosts()
        self.assets = MemoryOwnedAssets(self._tables)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._write:
            self._database.writer.release()

    async def commit(self) -> None:
        self._database.tables = copy.deepcopy(self._tables)


@dataclass
class MemoryDatabase:
    """The data, and the one-writer-at-a-time rule; call it for a unit of work."""

    tables: Tables = field(default_factory=Tables)
    writer: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __call__(self, *, write: bool = True) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self, write=write)
