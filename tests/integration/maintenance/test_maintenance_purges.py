"""The scheduler's maintenance over SQLite and PostgreSQL with local storage: what it purges,
what it keeps, and the two-pass sweep of files no asset refers to."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from support.clock import FakeClock
from support.fakes import an_account

from services.ai.budget import Reservation
from services.auth.model import RefreshToken, Throttle
from services.common.ids import new_id
from services.db import SqlUnitOfWorkFactory
from services.maintenance import Maintenance
from services.storage.local import LocalStorage
from services.vault.model import Asset


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[LocalStorage]:
    local = LocalStorage(tmp_path / "objects")
    yield local
    await local.aclose()


async def one(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def keys(storage: LocalStorage) -> list[str]:
    return sorted([key async for key in storage.keys("users/")])


async def test_purges_what_expired_and_keeps_the_rest(
    uow_factory: SqlUnitOfWorkFactory, storage: LocalStorage
) -> None:
    clock = FakeClock()
    now = clock.now
    account = an_account(email=f"{new_id()}@example.com")

    def token(expires_in: timedelta) -> RefreshToken:
        return RefreshToken(
            id=new_id(),
            user_id=account.id,
            family_id=new_id(),
            token_hash=new_id().replace("-", "") * 2,
            remember_me=False,
            created_at=now - timedelta(days=40),
            expires_at=now + expires_in,
        )

    async with uow_factory() as uow:
        await uow.users.add(account)
        for expires_in in (timedelta(days=-3), timedelta(hours=-1), timedelta(days=1)):
            await uow.refresh_tokens.add(token(expires_in))
        for address, throttle in (
            ("10.0.0.1", Throttle(3, now - timedelta(hours=2))),  # stale
            ("10.0.0.2", Throttle(5, now - timedelta(hours=2), now + timedelta(minutes=5))),
            ("10.0.0.3", Throttle(1, now - timedelta(minutes=1))),  # recent
        ):
            await uow.signin_throttles.get_for_update("e" * 64, address, now=now)
            await uow.signin_throttles.save("e" * 64, address, throttle)
        for expires_in in (timedelta(minutes=-1), timedelta(minutes=10)):
            await uow.ai_spend.add_reservation(
                Reservation(account.id, "2026-01", 1000, id=new_id()),
                created_at=now - timedelta(minutes=20),
                expires_at=now + expires_in,
            )
        await uow.commit()

    maintenance = Maintenance(uow_factory, storage, clock=clock, throttle_window=timedelta(hours=1))
    report = await maintenance.run()
    assert (report.refresh_tokens, report.signin_throttles, report.ai_reservations) == (1, 1, 1)
    again = await maintenance.run()
    assert (again.refresh_tokens, again.signin_throttles, again.ai_reservations) == (0, 0, 0)


async def test_files_no_asset_refers_to_are_swept_on_the_second_look(
    uow_factory: SqlUnitOfWorkFactory, storage: LocalStorage
) -> None:
    clock = FakeClock()
    account = an_account(email=f"{new_id()}@example.com")
    asset = Asset(
        id=new_id(),
        user_id=account.id,
        filename="kept.png",
        type="photo",
        mime="image/png",
        size_bytes=4,
        sha256="a" * 64,
        storage_key=f"users/{account.id}/kept.png",
        thumbnail_key=f"users/{account.id}/kept-thumb.webp",
        width=1,
        height=1,
        duration_seconds=None,
        tags=(),
        created_at=clock.now,
    )
    async with uow_factory() as uow:
        await uow.users.add(account)
        await uow.assets.add(asset)
        await uow.commit()
    for key in (asset.storage_key, asset.thumbnail_key, f"users/{account.id}/orphan.png"):
        assert key is not None
        await storage.put(key, one(b"data"), content_type="image/png")

    maintenance = Maintenance(uow_factory, storage, clock=clock, throttle_window=timedelta(hours=1))
    assert (await maintenance.run()).orphaned_files == 0  # first seen: only suspected
    late = f"users/{account.id}/recorded-late.png"  # stored now, recorded before the next run
    await storage.put(late, one(b"data"), content_type="image/png")
    async with uow_factory() as uow:
        await uow.assets.add(
            dataclasses.replace(
                asset, id=new_id(), sha256="b" * 64, storage_key=late, thumbnail_key=None
            )
        )
        await uow.commit()
    assert (await maintenance.run()).orphaned_files == 1
    assert await keys(storage) == sorted(
        [asset.storage_key, asset.thumbnail_key, late]  # type: ignore[list-item]
    )
