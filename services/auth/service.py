"""Sign-up, sign-in, refresh-token rotation and logout.

Argon2 work always happens outside any transaction: a slow hash never holds a database
connection or, on SQLite, the write lock.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from services.auth.model import RefreshToken, Throttle, after_failure
from services.auth.passwords import PasswordHasher
from services.auth.ports import AuthUnitOfWork
from services.auth.tokens import AccessTokens, hash_refresh_token, new_refresh_token
from services.common.clock import Clock, utc_now
from services.common.ids import IdGenerator, new_id
from services.common.security_events import SecurityEvents
from services.common.uow import UnitOfWorkFactory
from services.errors import Conflict, QuotaExceeded, Unauthenticated
from services.users.model import Account, Profile, UserView, normalise_email

INVALID_CREDENTIALS = "invalid email or password"
INVALID_REFRESH = "invalid or expired refresh token"
DUPLICATE_EMAIL = "an account with this e-mail already exists"
LOCKED = "too many failed sign-ins from this address; try again later"


@dataclass(frozen=True)
class IssuedSession:
    access_token: str
    refresh_token: str
    refresh_max_age_seconds: int | None  # None = browser-session cookie (rememberMe false)


@dataclass(frozen=True)
class AuthPolicy:
    """The numbers from settings (server.config.Settings) the use cases need."""

    refresh_ttl_seconds: int
    refresh_remember_ttl_seconds: int
    signin_max_failures: int
    signin_lockout_seconds: int
    # A token presented again this soon after its rotation is a second tab (or React
    # StrictMode) refreshing at the same moment, not a stolen copy: it gets a sibling.
    refresh_reuse_interval_seconds: float = 10.0


def email_key(email: str) -> str:
    """The throttle key of an address: a hash, so the table never holds the e-mail itself."""
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


class AuthService:
    def __init__(
        self,
        *,
        uow_factory: UnitOfWorkFactory[AuthUnitOfWork],
        hasher: PasswordHasher,
        tokens: AccessTokens,
        policy: AuthPolicy,
        clock: Clock = utc_now,
        events: SecurityEvents | None = None,
        ids: IdGenerator = new_id,
    ) -> None:
        self._uow = uow_factory
        self._hasher = hasher
        self._tokens = tokens
        self._policy = policy
        self._clock = clock
        self._events = events or SecurityEvents()
        self._new_id = ids

    async def sign_up(
        self, *, name: str, email: str, password: str, client_address: str
    ) -> UserView:
        """Create a free account. A taken e-mail raises Conflict, after the same argon2 work as
        a real sign-up (the README explains the enumeration trade-off)."""
        email = normalise_email(email)
        password_hash = await self._hasher.hash(password)
        now = self._clock()
        account = Account(
            id=self._new_id(),
            email=email,
            name=name,
            password_hash=password_hash,
            subscription="free",
            is_active=True,
            profile=Profile(),
            created_at=now,
            updated_at=now,
        )
        async with self._uow() as uow:
            if await uow.users.get_by_email(email) is not None:
                raise Conflict(DUPLICATE_EMAIL)
            await uow.users.add(account)  # Conflict too if a concurrent sign-up won
            await uow.commit()
        self._events.record("sign_up", user_id=account.id, client_address=client_address)
        return account.view()

    async def sign_in(
        self, *, email: str, password: str, remember_me: bool, client_address: str
    ) -> tuple[UserView, IssuedSession]:
        key = email_key(email)
        async with self._uow(write=False) as uow:
            throttle = await uow.signin_throttles.get(key, client_address)
            user = await uow.users.get_by_email(normalise_email(email))
        if throttle is not None:
            self._refuse_if_locked(throttle, key, client_address)

        if user is None:
            await self._hasher.verify_dummy(password)
            valid = False
        else:
            valid = await self._hasher.verify(user.password_hash, password) and user.is_active
        if not valid or user is None:
            await self._record_failure(key, client_address, user.id if user else None)
            raise Unauthenticated(INVALID_CREDENTIALS)

        new_hash = None
        if self._hasher.needs_rehash(user.password_hash):
            new_hash = await self._hasher.hash(password)
        async with self._uow() as uow:
            current = await uow.users.get(user.id)
            if current is None or not current.is_active:  # deleted or disabled meanwhile
                raise Unauthenticated(INVALID_CREDENTIALS)
            await uow.signin_throttles.clear(key, client_address)
            if new_hash is not None:
                current = replace(current, password_hash=new_hash)
                await uow.users.save(current)
            session = await self._start_session(uow, current, remember_me=remember_me)
            await uow.commit()
        self._events.record("sign_in_succeeded", user_id=user.id, client_address=client_address)
        return current.view(), session

    async def refresh(
        self, *, refresh_token: str, client_address: str
    ) -> tuple[UserView, IssuedSession]:
        """Rotate: the presented token is used up and its child returned.

        Presenting a used token again within the reuse interval (two tabs refreshing at once)
        gets another child of it; the family then has two live leaves until the next rotation
        prunes the one the browser no longer holds. Presented later, or a pruned token, it
        counts as theft: the whole family is revoked (and the event logged)."""
        now = self._clock()
        reuse_interval = timedelta(seconds=self._policy.refresh_reuse_interval_seconds)
        async with self._uow() as uow:
            presented = await uow.refresh_tokens.get_by_hash(
                hash_refresh_token(refresh_token), for_update=True
            )
            if presented is None:
                raise Unauthenticated(INVALID_REFRESH)
            if presented.revoked_at is not None:
                await self._revoke_reused(uow, presented, client_address, now)
                raise Unauthenticated(INVALID_REFRESH)
            child_id = self._new_id()
            if presented.used_at is None and await uow.refresh_tokens.mark_used(
                presented.id, replaced_by_id=child_id, now=now
            ):
                # The leaves the browser stopped holding: siblings handed to a concurrent
                # refresh that are past the reuse interval and were never used.
                await uow.refresh_tokens.revoke_unused(
                    presented.family_id,
                    except_id=presented.id,
                    created_before=now - reuse_interval,
                    now=now,
                )
            elif presented.used_at is not None and now - presented.used_at <= reuse_interval:
                self._events.record(
                    "refresh_token_concurrent_reuse",
                    user_id=presented.user_id,
                    client_address=client_address,
                    family_id=presented.family_id,
                )
            else:
                await self._revoke_reused(uow, presented, client_address, now)
                raise Unauthenticated(INVALID_REFRESH)
            if presented.expires_at <= now:
                raise Unauthenticated(INVALID_REFRESH)
            account = await uow.users.get(presented.user_id)
            if account is None or not account.is_active:
                raise Unauthenticated(INVALID_REFRESH)
            session = await self._start_session(
                uow,
                account,
                remember_me=presented.remember_me,
                family_id=presented.family_id,
                parent_id=presented.id,
                token_id=child_id,
            )
            await uow.commit()
        return account.view(), session

    async def logout(self, *, refresh_token: str | None, client_address: str) -> None:
        """Revoke the token's family. Idempotent: no or an unknown token is not an error."""
        user_id = None
        if refresh_token:
            async with self._uow() as uow:
                token = await uow.refresh_tokens.get_by_hash(hash_refresh_token(refresh_token))
                if token is not None:
                    user_id = token.user_id
                    await uow.refresh_tokens.revoke_family(token.family_id, now=self._clock())
                    await uow.commit()
        self._events.record("logout", user_id=user_id, client_address=client_address)

    def _refuse_if_locked(self, throttle: Throttle, key: str, address: str) -> None:
        now = self._clock()
        if throttle.locked_until is None or not throttle.locked_at(now):
            return
        retry_after = math.ceil((throttle.locked_until - now).total_seconds())
        self._events.record(
            "sign_in_locked",
            client_address=address,
            level=logging.WARNING,
            email_hash=key,
            retry_after=retry_after,
        )
        raise QuotaExceeded(LOCKED, retry_after=retry_after)

    async def _record_failure(self, key: str, address: str, user_id: str | None) -> None:
        now = self._clock()
        async with self._uow() as uow:
            current = await uow.signin_throttles.get_for_update(key, address, now=now)
            state = after_failure(
                current,
                now=now,
                max_failures=self._policy.signin_max_failures,
                window=timedelta(seconds=self._policy.signin_lockout_seconds),
            )
            await uow.signin_throttles.save(key, address, state)
            await uow.commit()
        self._events.record(
            "sign_in_failed",
            user_id=user_id,
            client_address=address,
            level=logging.WARNING,
            email_hash=key,
            locked=state.locked_until is not None,
        )

    async def _revoke_reused(
        self, uow: AuthUnitOfWork, token: RefreshToken, address: str, now: datetime
    ) -> None:
        """Revoke the family of a token presented when it must not be; logged when anything of
        the family was still alive (a logged-out family presented again is not news)."""
        revoked = await uow.refresh_tokens.revoke_family(token.family_id, now=now)
        await uow.commit()
        if not revoked:
            return
        self._events.record(
            "refresh_token_reused",
            user_id=token.user_id,
            client_address=address,
            level=logging.WARNING,
            family_id=token.family_id,
            revoked_tokens=revoked,
        )

    async def _start_session(
        self,
        uow: AuthUnitOfWork,
        account: Account,
        *,
        remember_me: bool,
        family_id: str | None = None,
        parent_id: str | None = None,
        token_id: str | None = None,
    ) -> IssuedSession:
        """Store a new refresh token (a new family unless given) and issue both tokens."""
        now = self._clock()
        ttl = (
            self._policy.refresh_remember_ttl_seconds
            if remember_me
            else self._policy.refresh_ttl_seconds
        )
        family_id = family_id or self._new_id()
        refresh_token = new_refresh_token(family_id)
        await uow.refresh_tokens.add(
            RefreshToken(
                id=token_id or self._new_id(),
                user_id=account.id,
                family_id=family_id,
                token_hash=hash_refresh_token(refresh_token),
                parent_id=parent_id,
                remember_me=remember_me,
                created_at=now,
                expires_at=now + timedelta(seconds=ttl),
            )
        )
        return IssuedSession(
            access_token=self._tokens.issue(account.id, account.subscription),
            refresh_token=refresh_token,
            refresh_max_age_seconds=ttl if remember_me else None,
        )
