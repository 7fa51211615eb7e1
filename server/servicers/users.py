"""huntaze.v1.UserService: the signed-in user's own account (GET, PATCH, DELETE /api/users/me)."""

from __future__ import annotations

from typing import Any

import grpc
from huntaze.v1 import users_pb2, users_pb2_grpc

from interceptors.context import current_principal, current_request
from server.servicers.convert import timestamp
from server.servicers.http import cleared_refresh_cookie
from services.users.model import PROFILE_FIELDS, Profile, UserView
from services.users.service import UserService


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
        name, profile_changes = requested_changes(request)
        user = await self._users.update(
            current_principal().user_id, name=name, profile_changes=profile_changes
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


def requested_changes(request: users_pb2.UpdateMeRequest) -> tuple[str | None, dict[str, Any]]:
    """(new name or None, profile field -> new value) under AIP-134: with an update mask
    exactly the masked fields (empty values clear), without one every field given a value."""
    given = _profile(request.profile)
    values = {name: getattr(given, name) for name in PROFILE_FIELDS}
    if not request.HasField("update_mask"):
        name = request.name if request.HasField("name") else None
        return name, {field: value for field, value in values.items() if value}
    paths = set(request.update_mask.paths)
    name = request.name if "name" in paths else None
    if "profile" in paths:
        return name, values
    prefix = "profile."
    masked = {path.removeprefix(prefix) for path in paths if path.startswith(prefix)}
    return name, {field: values[field] for field in masked}


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
