"""Authentication and plan checks, driven by each method's `huntaze.v1.access` option.

Public methods pass untouched. Every other method needs `authorization: Bearer <jwt>`, verified
by a TokenVerifier (services.auth.tokens.AccessTokens in production): missing, malformed, forged
or expired tokens raise Unauthenticated (401); a plan outside the policy's `plans` raises
PermissionDenied (403). The verified Principal goes into the RequestContext for servicers.
Denials are security events on the "huntaze.security" logger; the token itself is never logged.
"""

from __future__ import annotations

import logging
from typing import Protocol

import grpc
import grpc.aio

from interceptors.context import current_request
from interceptors.handlers import CallHooks, HookInterceptor
from interceptors.policies import AccessPolicies, AccessPolicy
from services.auth.principal import Principal
from services.errors import PermissionDenied, Unauthenticated


class TokenVerifier(Protocol):
    def verify(self, token: str) -> Principal:
        """The token's principal; raises services.errors.Unauthenticated when it is not valid."""
        ...


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
            principal = self.interceptor.tokens.verify(bearer_token(context.invocation_metadata()))
        except Unauthenticated as error:
            self.interceptor.denied("auth.unauthenticated", request.method, None, error.message)
            raise
        request.principal = principal
        if self.policy.plans and principal.plan not in self.policy.plans:
            self.interceptor.denied(
                "auth.forbidden", request.method, principal.user_id, f"plan {principal.plan!r}"
            )
            raise PermissionDenied(
                f"this feature needs one of these plans: {', '.join(self.policy.plans)}"
            )


class AuthInterceptor(HookInterceptor):
    def __init__(
        self, policies: AccessPolicies, tokens: TokenVerifier, security_log: logging.Logger
    ) -> None:
        self.policies = policies
        self.tokens = tokens
        self.security_log = security_log

    def hooks(self, method: str, handler: grpc.RpcMethodHandler) -> CallHooks | None:
        policy = self.policies[method]
        return None if policy.public else _AuthHooks(self, policy)

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
