"""Whether a user id still names an active account, as the auth interceptor asks on every call.

An access token outlives a deletion or deactivation by up to its 15 minutes; this check closes
that gap. Answers are cached per worker process for `ttl_seconds`, which is the documented bound
on how long a deleted or deactivated account's token keeps working on another worker (the
worker that changed it forgets its entry at once).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from services.common.uow import UnitOfWorkFactory, retry_read
from services.users.accounts import UnitOfWorkAccounts
from services.users.ports import AccountReader, UsersUnitOfWork


class AccountStatusCache:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[UsersUnitOfWork],
        *,
        ttl_seconds: float,
        max_entries: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
        accounts: AccountReader | None = None,
    ) -> None:
        """`accounts` reads one account (default: through a unit of work)."""
        self._accounts = accounts or UnitOfWorkAccounts(uow_factory)
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[bool, float]] = OrderedDict()

    async def __call__(self, user_id: str) -> bool:
        """True while the account exists and is active (as of at most ttl_seconds ago)."""
        now = self._clock()
        entry = self._entries.get(user_id)
        if entry is not None and now - entry[1] < self._ttl:
            return entry[0]
        active = await self._load(user_id)
        self._entries[user_id] = (active, now)
        self._entries.move_to_end(user_id)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return active

    @retry_read
    async def _load(self, user_id: str) -> bool:
        account = await self._accounts.account(user_id)
        return account is not None and account.is_active

    def forget(self, user_id: str) -> None:
        """Drop what is known of `user_id` (its account just changed in this process)."""
        self._entries.pop(user_id, None)
