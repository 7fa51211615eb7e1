"""huntaze.v1.AuthService: sign-up, sign-in, refresh and logout over gRPC and REST."""

from __future__ import annotations

import grpc
from huntaze.v1 import auth_pb2, auth_pb2_grpc

from interceptors.context import current_request
from server.servicers.convert import timestamp
from server.servicers.http import REFRESH_COOKIE, cleared_refresh_cookie, refresh_cookie
from services.auth.service import AuthService, IssuedSession
from services.errors import Unauthenticated
from services.users.model import UserView


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, auth: AuthService) -> None:
        self._auth = auth

    async def SignUp(
        self, request: auth_pb2.SignUpRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.SignUpResponse:
        user = await self._auth.sign_up(
            name=request.name,
            email=request.email,
            password=request.password,
            client_address=current_request().client_address,
        )
        return auth_pb2.SignUpResponse(
            message="Account created",
            user=auth_pb2.NewUser(
                id=user.id,
                name=user.name,
                email=user.email,
                subscription=user.subscription,
                created_at=timestamp(user.created_at),
            ),
        )

    async def SignIn(
        self, request: auth_pb2.SignInRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.SignInResponse:
        user, session = await self._auth.sign_in(
            email=request.email,
            password=request.password,
            remember_me=request.remember_me,
            client_address=current_request().client_address,
        )
        _send_cookie(session)
        return auth_pb2.SignInResponse(user=_session_user(user), access_token=session.access_token)

    async def Refresh(
        self, request: auth_pb2.RefreshRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.RefreshResponse:
        request_context = current_request()
        token = request_context.cookie(REFRESH_COOKIE)
        if token is None:
            raise Unauthenticated("missing refresh token")
        user, session = await self._auth.refresh(
            refresh_token=token, client_address=request_context.client_address
        )
        _send_cookie(session)
        return auth_pb2.RefreshResponse(user=_session_user(user), access_token=session.access_token)

    async def Logout(
        self, request: auth_pb2.LogoutRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.LogoutResponse:
        request_context = current_request()
        await self._auth.logout(
            refresh_token=request_context.cookie(REFRESH_COOKIE),
            client_address=request_context.client_address,
        )
        request_context.response_headers.append(("set-cookie", cleared_refresh_cookie()))
        return auth_pb2.LogoutResponse(message="Signed out")


def _send_cookie(session: IssuedSession) -> None:
    cookie = refresh_cookie(session.refresh_token, session.refresh_max_age_seconds)
    current_request().response_headers.append(("set-cookie", cookie))


def _session_user(user: UserView) -> auth_pb2.SessionUser:
    return auth_pb2.SessionUser(
        id=user.id, email=user.email, name=user.name, subscription=user.subscription
    )
