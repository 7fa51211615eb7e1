"""Vault records <-> huntaze.v1 asset messages."""

from __future__ import annotations

from huntaze.v1 import content_creation_pb2 as pb

from server.servicers.convert import timestamp
from services.vault.model import LinkedAsset


def asset_message(linked: LinkedAsset) -> pb.Asset:
    asset = linked.asset
    return pb.Asset(
        id=asset.id,
        filename=asset.filename,
        type=asset.type,
        content_type=asset.mime,
        size_bytes=asset.size_bytes,
        url=linked.link.url,
        url_expires_at=timestamp(linked.link.expires_at),
        created_at=timestamp(asset.created_at),
        sha256=asset.sha256,
        width=asset.width or 0,
        height=asset.height or 0,
        duration_seconds=asset.duration_seconds or 0.0,
        thumbnail_url=linked.thumbnail.url if linked.thumbnail else "",
        tags=list(asset.tags),
        used=asset.used,
    )
