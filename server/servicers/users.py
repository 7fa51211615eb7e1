"""huntaze.v1.UserService: the signed-in user's own account (GET, PATCH, DELETE /api/users/me)."""

from __future__ import annotations

import grpc
from huntaze.v1 import users_pb2, users_pb2_grpc

from interceptors.context import current_principal, current_request
from server.servicers.convert import timestamp
from server.servicers.http import cleared_refresh_cookie
from services.users.service import Profile, UserService, UserView


class UsersServicer(users_pb2_grpc.UserServiceServicer):
    def __init__(self, users: UserService) -> None:
        self._users = users

    async def GetMe(
        self, request: users_pb2.GetMeRequest, context: grpc.aio.ServicerContext
    ) -> users_pb2.GetMeResponse:
        user = await self._users.get(current_principal().user_id)
        return users_pb2.GetMeResponse(user=user_message(user))

    async def UpdateMe(
        self, request: users_pb2.UpdateMeRequest, context: grpc.aio.ServicerContext
    ) -> users_pb2.UpdateMeResponse:
        user = await self._users.update(
            current_principal().user_id,
            name=request.name if request.HasField("name") else None,
            profile=_profile(request.profile) if request.HasField("profile") else None,
        )
        return users_pb2.UpdateMeResponse(user=user_message(user))

    async def DeleteMe(
        self, request: users_pb2.DeleteMeRequest, context: grpc.aio.ServicerContext
    ) -> users_pb2.DeleteMeResponse:
        request_context = current_request()
        await self._users.delete(
            current_principal().user_id, client_address=request_context.client_address
        )
        request_context.response_headers.append(("set-cookie", cleared_refresh_cookie()))
        return users_pb2.DeleteMeResponse(message="Account deleted")


def user_message(user: UserView) -> users_pb2.User:
    profile = user.profile
    return users_pb2.User(
        id=user.id,
        email=user.email,
        name=user.name,
        subscription=user.subscription,
        is_active=user.is_active,
        profile=users_pb2.CreatorProfile(
            bio=profile.bio,
            niches=profile.niches,
            content_types=profile.content_types,
            audience_preferences=profile.audience_preferences,
            goals=profile.goals,
            timezone=profile.timezone,
            restricted_words=profile.restricted_words,
        ),
        created_at=timestamp(user.created_at),
        updated_at=timestamp(user.updated_at),
    )


def _profile(message: users_pb2.CreatorProfile) -> Profile:
    return Profile(
        bio=message.bio,
        niches=tuple(message.niches),
        content_types=tuple(message.content_types),
        audience_preferences=tuple(message.audience_preferences),
        goals=tuple(message.goals),
        timezone=message.timezone,
        restricted_words=tuple(message.restricted_words),
    )
