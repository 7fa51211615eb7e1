"""Authentication and plan checks, driven by each method's `huntaze.v1.access` option.

Public methods pass untouched. Every other method needs `authorization: Bearer <jwt>`, verified
by a TokenVerifier (services.auth.tokens.AccessTokens in production): missing, malformed, forged
or expired tokens raise Unauthenticated (401), and so does a valid token of an account that was
deleted or deactivated since it was issued (AccountStatus, cached for a few seconds per worker;
a streaming response is checked again before each message it sends, so a running stream of such
an account ends too). A plan outside the policy's `plans` raises PermissionDenied (403). The
verified Principal goes into the RequestContext for servicers. Denials are security events on
the "huntaze.security" logger; the token itself is never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

import grpc
import grpc.aio

from interceptors.context import current_request
from interceptors.handlers import CallHooks, HookInterceptor
from interceptors.policies import AccessPolicies, AccessPolicy
from services.common.principal import Principal
from services.errors import PermissionDenied, Unauthenticated


class TokenVerifier(Protocol):
    def verify(self, token: str) -> Principal:
        """The token's principal; raises services.errors.Unauthenticated when it is not valid."""
        ...


# Whether a user id still names an active account (services.users.AccountStatusCache).
AccountStatus = Callable[[str], Awaitable[bool]]
INACTIVE_ACCOUNT = "this account no longer exists or is disabled"


def bearer_token(metadata: tuple[tuple[str, str | bytes], ...] | None) -> str:
    """The token of `authorization: Bearer <token>`; Unauthenticated when missing or malformed."""
    values = [value for key, value in metadata or () if key == "authorization"]
    if not values:
        raise Unauthenticated("missing access token")
    if len(values) > 1 or not isinstance(values[0], str):
        raise Unauthenticated("malformed authorization header")
    scheme, _, token = values[0].strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise Unauthenticated("malformed authorization header")
    return token


class _AuthHooks(CallHooks):
    __slots__ = ("interceptor", "policy")

    def __init__(self, interceptor: AuthInterceptor, policy: AccessPolicy) -> None:
        self.interceptor = interceptor
        self.policy = policy

    async def start(self, context: grpc.aio.ServicerContext) -> None:
        request = current_request()
        try:
            principal = self.interceptor.tokens.verify(bearer_token(request.metadata))
        except Unauthenticated as error:
            self.interceptor.denied("auth.unauthenticated", request.method, None, error.message)
            raise
        if not await self.interceptor.accounts(principal.user_id):
            self.interceptor.denied(
                "auth.account_inactive", request.method, principal.user_id, INACTIVE_ACCOUNT
            )
            raise Unauthenticated(INACTIVE_ACCOUNT)
        request.principal = principal
        if self.policy.plans and principal.plan not in self.policy.plans:
            self.interceptor.denied(
                "auth.forbidden", request.method, principal.user_id, f"plan {principal.plan!r}"
            )
            raise PermissionDenied(
                f"this feature needs one of these plans: {', '.join(self.policy.plans)}"
            )


class _StreamingAuthHooks(_AuthHooks):
    """A long stream outlives the check at its start: check again before each message."""

    __slots__ = ()

    async def sending(self, message: object, context: grpc.aio.ServicerContext) -> None:
        principal = current_request().principal
        if principal is not None and not await self.interceptor.accounts(principal.user_id):
            self.interceptor.denied(
                "auth.account_inactive", current_request().method, principal.user_id, "mid-stream"
            )
            raise Unauthenticated(INACTIVE_ACCOUNT)


class AuthInterceptor(HookInterceptor):
    def __init__(
        self,
        policies: AccessPolicies,
        tokens: TokenVerifier,
        accounts: AccountStatus,
        security_log: logging.Logger,
    ) -> None:
        self.policies = policies
        self.tokens = tokens
        self.accounts = accounts
        self.security_log = security_log

    def hooks(self, method: str, handler: grpc.RpcMethodHandler) -> CallHooks | None:
        policy = self.policies[method]
        if policy.public:
            return None
        if handler.response_streaming:
            return _StreamingAuthHooks(self, policy)
        return _AuthHooks(self, policy)

    def denied(self, event: str, method: str, user_id: str | None, reason: str) -> None:
        self.security_log.warning(
            "%s on %s: %s",
            event,
            method,
            reason,
            extra={
                "event": event,
                "method": method,
                "user_id": user_id,
                "client_address": current_request().client_address,
                "reason": reason,
            },
        )
