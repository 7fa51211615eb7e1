"""Token buckets in a memory-mapped file: one exact limit for all worker processes of a host.

The supervisor creates the table (create_bucket_table) before it starts any worker; every worker
maps it (SharedMemoryRateLimiter). Whichever worker Envoy picks, a caller draws from the same
bucket, so limits are exact and the RateLimit headers count down consistently.

Layout: a 64-byte header, then blocks of 8 slots; a key hashes to one block. A slot is (key hash,
tokens, updated at, full at), times on CLOCK_MONOTONIC, which every process of the host shares.
Each access locks its block (a POSIX byte-range lock on the file) for a few microseconds. The
kernel drops a dead process's locks, so a worker killed mid-update cannot wedge the others.

A full block gives up the slot nearest to refilled: a bucket forgotten early is refilled early,
so overflow (more live buckets than slots) only ever makes limits more lenient, never stricter.
"""

from __future__ import annotations

import fcntl
import hashlib
import mmap
import os
import struct
import time
from collections.abc import Callable
from pathlib import Path

from interceptors.rate_limit.buckets import (
    RateLimitDecision,
    RateLimitRule,
    decision,
    refilled,
    take,
)

_MAGIC = b"HZBUCKT1"
_HEADER = struct.Struct("<8sII")  # magic, blocks, slots per block
_HEADER_BYTES = 64
_SLOT = struct.Struct("<Qddd")  # key hash (0 = empty), tokens, updated_at, full_at
_SLOTS_PER_BLOCK = 8
_BLOCK_BYTES = _SLOT.size * _SLOTS_PER_BLOCK
DEFAULT_BUCKETS = 131_072


def create_bucket_table(path: Path, *, buckets: int = DEFAULT_BUCKETS) -> Path:
    """A new, empty table at `path` (owner-only), replacing any left by an earlier run."""
    blocks = max(1, -(-buckets // _SLOTS_PER_BLOCK))
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.ftruncate(fd, _HEADER_BYTES + blocks * _BLOCK_BYTES)  # zero-filled: all slots empty
        os.pwrite(fd, _HEADER.pack(_MAGIC, blocks, _SLOTS_PER_BLOCK), 0)
    finally:
        os.close(fd)
    return path


def _key_hash(key: str) -> int:
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") or 1  # 0 marks an empty slot


class SharedMemoryRateLimiter:
    """The host-wide backend; `acquire` takes microseconds and never waits on I/O."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._fd = os.open(path, os.O_RDWR)
        try:
            self._map = mmap.mmap(self._fd, os.fstat(self._fd).st_size)
            magic, blocks, slots = _HEADER.unpack_from(self._map, 0)
        except (OSError, ValueError, struct.error):
            os.close(self._fd)
            raise
        if magic != _MAGIC or slots != _SLOTS_PER_BLOCK:
            os.close(self._fd)
            raise ValueError(f"{path} is not a rate-limit bucket table")
        self._blocks = blocks
        self._clock = clock

    async def acquire(self, key: str, rule: RateLimitRule) -> RateLimitDecision:
        return self.take(key, rule)

    def take(self, key: str, rule: RateLimitRule) -> RateLimitDecision:
        wanted = _key_hash(key)
        start = _HEADER_BYTES + (wanted % self._blocks) * _BLOCK_BYTES
        fcntl.lockf(self._fd, fcntl.LOCK_EX, _BLOCK_BYTES, start, os.SEEK_SET)
        try:
            now = self._clock()
            offset, tokens = self._find(start, wanted, now, rule)
            allowed, tokens = take(tokens)
            full_at = now + (rule.capacity - tokens) / rule.refill_per_second
            _SLOT.pack_into(self._map, offset, wanted, tokens, now, full_at)
        finally:
            fcntl.lockf(self._fd, fcntl.LOCK_UN, _BLOCK_BYTES, start, os.SEEK_SET)
        return decision(tokens, rule, allowed)

    def _find(self, start: int, wanted: int, now: float, rule: RateLimitRule) -> tuple[int, float]:
        """(slot offset, current tokens) for the key: its own slot, else the slot that is free
        soonest (empty, refilled, or else nearest to refilled); a new bucket starts full."""
        spare, spare_free_at = start, float("inf")
        for offset in range(start, start + _BLOCK_BYTES, _SLOT.size):
            key, tokens, updated_at, full_at = _SLOT.unpack_from(self._map, offset)
            if key == wanted:
                return offset, refilled(tokens, now - updated_at, rule)
            free_at = float("-inf") if key == 0 else full_at
            if free_at < spare_free_at:
                spare, spare_free_at = offset, free_at
        return spare, float(rule.capacity)

    async def aclose(self) -> None:
        if not self._map.closed:
            self._map.close()
            os.close(self._fd)
