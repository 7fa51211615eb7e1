"""Access tokens (short-lived HS256 JWTs) and opaque refresh tokens."""

from __future__ import annotations

import functools
import hashlib
import secrets
import uuid
from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType

import jwt

from services.common.clock import Clock, utc_now
from services.common.principal import Principal
from services.errors import Unauthenticated

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub")
MAX_LEEWAY_SECONDS = 60
# Tokens whose signature and claims were checked, per process: a client sends the same token
# for its 15 minutes, and checking it (PyJWT: base64, JSON, HMAC) cost ~55 us a call. Only
# the time claims are checked again on each use. ~300 bytes a token.
VERIFIED_TOKENS = 4096


class AccessTokens:
    """Issues and verifies the bearer tokens the auth interceptor checks on every call.

    The algorithm is pinned (no `alg: none`, no RS/HS confusion). Time claims are checked
    against the injected clock, so expiry is testable without sleeping.
    """

    def __init__(
        self,
        *,
        secret: str,
        issuer: str,
        audience: str,
        ttl_seconds: int,
        leeway_seconds: int,
        clock: Clock = utc_now,
    ) -> None:
        if not 0 <= leeway_seconds <= MAX_LEEWAY_SECONDS:
            raise ValueError(f"leeway must be 0..{MAX_LEEWAY_SECONDS} seconds")
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self._ttl = timedelta(seconds=ttl_seconds)
        self._leeway = leeway_seconds
        self._clock = clock
        # Failures raise, so only valid tokens are kept.
        self._decode = functools.lru_cache(maxsize=VERIFIED_TOKENS)(self._decode_signed)

    def issue(self, user_id: str, plan: str) -> str:
        now = self._clock()
        claims = {
            "sub": user_id,
            "plan": plan,
            "iss": self._issuer,
            "aud": self._audience,
            "iat": int(now.timestamp()),
            "exp": int((now + self._ttl).timestamp()),
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> Principal:
        claims, principal = self._decode(token)
        self._check_times(claims)
        return principal

    def _decode_signed(self, token: str) -> tuple[Mapping[str, object], Principal]:
        """The token's claims and principal, once its signature, issuer, audience and claim
        types are checked (the time claims are checked on every use, by verify)."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                # Time claims are checked below against our clock, not the system's.
                options={
                    "require": list(REQUIRED_CLAIMS),
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError as error:
            raise Unauthenticated("invalid access token") from error
        subject, plan = claims.get("sub"), claims.get("plan")
        if not isinstance(subject, str) or not subject or not isinstance(plan, str):
            raise Unauthenticated("invalid access token")
        return MappingProxyType(claims), Principal(user_id=subject, plan=plan)

    def _check_times(self, claims: Mapping[str, object]) -> None:
        now = self._clock().timestamp()
        expires, issued = claims["exp"], claims["iat"]
        if not _is_number(expires) or not _is_number(issued):
            raise Unauthenticated("invalid access token")
        if now > expires + self._leeway:
            raise Unauthenticated("access token expired")
        if issued > now + self._leeway:
            raise Unauthenticated("invalid access token")
        not_before = claims.get("nbf")
        if not_before is not None and (
            not _is_number(not_before) or not_before > now + self._leeway
        ):
            raise Unauthenticated("invalid access token")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def new_refresh_token(family_id: str) -> str:
    """`<family id>.<256 random bits, URL-safe>`: the cookie value. Only its hash is stored.

    The family id is not a secret: it lets the edge key the session's rate limit on the
    session itself (family_of) without a database read."""
    return f"{family_id}.{secrets.token_urlsafe(32)}"


def family_of(token: str) -> str | None:
    """The family id a refresh token names, None for anything not shaped like one (such a
    token is refused anyway; the caller then keys its rate limit otherwise)."""
    family, dot, secret = token.partition(".")
    if not dot or not secret:
        return None
    try:
        return str(uuid.UUID(family)) if len(family) == 36 else None
    except ValueError:
        return None


def hash_refresh_token(token: str) -> str:
    """SHA-256 hex: enough for a 256-bit random secret (no salt or slow hash needed)."""
    return hashlib.sha256(token.encode()).hexdigest()
