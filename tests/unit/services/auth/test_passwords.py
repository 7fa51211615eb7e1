"""The password hasher: libsodium's argon2id, and the hashes stored before it."""

from __future__ import annotations

import pytest

from services.auth.passwords import DEFAULT_MEMORY_COST_KIB, DEFAULT_TIME_COST, PasswordHasher

PASSWORD = "correct horse battery staple"
# Made by argon2-cffi 25.1 (the hasher before libsodium) with the production parameters: the
# accounts created until then have hashes like this one.
ARGON2_CFFI_HASH = (
    "$argon2id$v=19$m=19456,t=2,p=1$fXxIItzc0e4C6dw06O2O2g$"
    "Cn2KdRx6h1nSI4QT2l4L0fWTPcKB2cYZnlRQvg2nsHw"
)


async def test_hashes_stored_by_argon2_cffi_still_verify_and_need_no_rehash() -> None:
    hasher = PasswordHasher()
    assert await hasher.verify(ARGON2_CFFI_HASH, PASSWORD)
    assert not await hasher.verify(ARGON2_CFFI_HASH, PASSWORD + " ")
    assert not hasher.needs_rehash(ARGON2_CFFI_HASH)


async def test_a_new_hash_is_argon2id_with_the_given_parameters_and_verifies() -> None:
    hasher = PasswordHasher(time_cost=1, memory_cost_kib=64)
    stored = await hasher.hash(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=64,t=1,p=1$")
    assert await hasher.verify(stored, PASSWORD)
    assert not await hasher.verify(stored, "Correct horse battery staple")
    assert stored != await hasher.hash(PASSWORD)  # a new salt each time


@pytest.mark.parametrize(
    "unreadable",
    ["", "not a hash", "$argon2id$", "$argon2id$v=19$m=64,t=1,p=1$AAAA$BBBB", "é" * 40],
)
async def test_an_unreadable_hash_is_a_mismatch_not_an_error(unreadable: str) -> None:
    assert not await PasswordHasher(time_cost=1, memory_cost_kib=64).verify(unreadable, PASSWORD)


def test_other_parameters_or_algorithms_need_a_rehash() -> None:
    production = PasswordHasher()
    assert (DEFAULT_TIME_COST, DEFAULT_MEMORY_COST_KIB) == (2, 19 * 1024)
    assert production.needs_rehash(ARGON2_CFFI_HASH.replace("t=2", "t=1"))
    assert production.needs_rehash(ARGON2_CFFI_HASH.replace("m=19456", "m=65536"))
    assert production.needs_rehash(ARGON2_CFFI_HASH.replace("p=1", "p=4"))
    assert production.needs_rehash(ARGON2_CFFI_HASH.replace("$argon2id$", "$argon2i$"))
    assert production.needs_rehash("not a hash")
    assert PasswordHasher(time_cost=3).needs_rehash(ARGON2_CFFI_HASH)
