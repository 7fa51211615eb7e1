"""Composition of the media vault: the object storage the settings name and the Vault over it."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from pathlib import Path

from server.config import Settings
from services.common.clock import Clock, utc_now
from services.common.ids import IdGenerator, new_id
from services.common.uow import UnitOfWorkFactory
from services.storage.local import LocalStorage
from services.storage.ports import ObjectStorage
from services.storage.s3 import S3Storage
from services.vault.links import LinkSigner
from services.vault.model import PlanStorage
from services.vault.ports import VaultUnitOfWork
from services.vault.service import Vault

MIB = 1024 * 1024
PLANS = ("free", "pro", "enterprise")


def build_storage(settings: Settings) -> ObjectStorage:
    if settings.storage_backend == "s3":
        return S3Storage(
            settings.storage_s3_bucket,
            endpoint_url=settings.storage_s3_endpoint_url or None,
            region=settings.storage_s3_region or None,
            addressing_style=settings.storage_s3_addressing_style,
        )
    return LocalStorage(Path(settings.storage_local_dir))


def plan_storage(settings: Settings) -> PlanStorage:
    return PlanStorage(
        max_file_bytes={plan: getattr(settings, f"upload_max_mib_{plan}") * MIB for plan in PLANS},
        quota_bytes={plan: getattr(settings, f"storage_quota_mib_{plan}") * MIB for plan in PLANS},
    )


def link_key(settings: Settings) -> bytes:
    """The links' signing key, derived from the JWT secret: one secret to configure and
    rotate, and a link's signature never doubles as anything else's."""
    return hmac.new(settings.jwt_secret.encode(), b"huntaze asset links", hashlib.sha256).digest()


def build_vault(
    settings: Settings,
    uow_factory: UnitOfWorkFactory[VaultUnitOfWork],
    storage: ObjectStorage,
    *,
    clock: Clock = utc_now,
    ids: IdGenerator = new_id,
) -> Vault:
    return Vault(
        uow_factory,
        storage,
        plans=plan_storage(settings),
        signer=LinkSigner(link_key(settings), base_url=settings.public_origins()[0]),
        link_ttl=timedelta(seconds=settings.asset_link_ttl_seconds),
        clock=clock,
        ids=ids,
    )
