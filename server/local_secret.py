"""The JWT secret of a machine without JWT_SECRET (development, never production): random,
made on first run and kept in var/jwt-secret, readable by this user only. Anyone could forge
tokens with a secret printed in a README; nobody can with this one."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

FILE_NAME = "jwt-secret"
MIN_LENGTH = 32


def local_jwt_secret(var_dir: Path) -> str:
    """The secret in `var_dir`/jwt-secret, created (mode 0600) if missing. Refuses a file other
    users could read (a secret that leaked is not one) or one too short to be a real secret."""
    path = var_dir / FILE_NAME
    var_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        _create(path)
    info = path.stat()
    if info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
        raise PermissionError(
            f"{path} must be readable by its owner only: remove it to have a new one made"
        )
    secret = path.read_text().strip()
    if len(secret) < MIN_LENGTH:
        raise ValueError(f"{path} holds less than {MIN_LENGTH} characters: remove it")
    return secret


def _create(path: Path) -> None:
    """Write a new secret atomically: a concurrent start either makes it or reads it whole."""
    draft = path.with_name(f".{FILE_NAME}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, (secrets.token_urlsafe(48) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        with contextlib.suppress(FileExistsError):  # another start made it first: keep theirs
            os.link(draft, path)
    finally:
        draft.unlink()
