"""The cross-site (CSRF) check of methods whose access option says `same_origin_only`: the ones
that act on the session cookie (refresh, logout).

SameSite=Strict already keeps the cookie off cross-site requests in current browsers; this is
the second line. A browser request is accepted when its `Origin` is one of ours (the frontend
origins and the API's own public origin) or the browser itself says `Sec-Fetch-Site:
same-origin`; refused (403) for any other Origin, `null` included, or `Sec-Fetch-Site:
cross-site`. Callers that are not browsers send neither header and pass. It runs before the
rate limiter, so a refused request spends no token of the session's bucket.
"""

from __future__ import annotations

from collections.abc import Iterable

import grpc
import grpc.aio

from interceptors.context import RequestContext, current_request
from interceptors.handlers import CallHooks, HookInterceptor
from interceptors.policies import AccessPolicies
from services.errors import PermissionDenied

REFUSED = "cross-site request refused"


def is_cross_site(request: RequestContext, allowed_origins: frozenset[str]) -> bool:
    fetch_sites = {value.strip().lower() for value in request.header_values("sec-fetch-site")}
    if "cross-site" in fetch_sites:
        return True
    same_origin = fetch_sites == {"same-origin"}
    for origin in request.header_values("origin"):
        origin = origin.strip()
        if origin in allowed_origins:
            continue
        if origin.lower() == "null" or not same_origin:
            return True
    return False


class _OriginHooks(CallHooks):
    __slots__ = ("allowed_origins",)

    def __init__(self, allowed_origins: frozenset[str]) -> None:
        self.allowed_origins = allowed_origins

    async def start(self, context: grpc.aio.ServicerContext) -> None:
        if is_cross_site(current_request(), self.allowed_origins):
            raise PermissionDenied(REFUSED)


class OriginInterceptor(HookInterceptor):
    def __init__(self, policies: AccessPolicies, allowed_origins: Iterable[str]) -> None:
        self.policies = policies
        self._hooks = _OriginHooks(frozenset(origin.strip() for origin in allowed_origins))

    def hooks(self, method: str, handler: grpc.RpcMethodHandler) -> CallHooks | None:
        return self._hooks if self.policies[method].same_origin_only else None
