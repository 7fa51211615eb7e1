"""The baseline: GET /api/users/me in a minimal FastAPI app, doing the work the real server does.

Same settings (environment variables, server/config.py), same JWT check
(services.auth.tokens.AccessTokens), same database read (services.users.UserService.get) and
the same JSON as Envoy's transcoder prints for GetMe. Run by bench/run.py:

    uvicorn fastapi_baseline:create_app --factory --app-dir bench --workers N
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse

from server.app import access_tokens
from server.config import Settings
from services.db import create_engine, create_uow_factory
from services.db.key_reads import KeyReads
from services.errors import NotFound, Unauthenticated
from services.users.model import UserView
from services.users.service import UserService


def create_app() -> FastAPI:
    """Each uvicorn worker calls this: engine and services are built per process."""
    settings = Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
        # the server's data access (server/app.py)
        key_reads = KeyReads(engine, postgres_connections=settings.database_pool_size)
        app.state.users = UserService(create_uow_factory(engine), accounts=key_reads)
        app.state.tokens = access_tokens(settings)
        try:
            yield
        finally:
            await key_reads.aclose()
            await engine.dispose()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/api/users/me")
    async def get_me(request: Request, authorization: str = Header(default="")) -> JSONResponse:
        scheme, _, token = authorization.partition(" ")
        try:
            if scheme.lower() != "bearer" or not token:
                raise Unauthenticated("missing bearer token")
            principal = request.app.state.tokens.verify(token)
            user = await request.app.state.users.get(principal.user_id)
        except Unauthenticated as error:
            return JSONResponse({"code": 16, "message": str(error)}, status_code=401)
        except NotFound as error:
            return JSONResponse({"code": 5, "message": str(error)}, status_code=404)
        return JSONResponse({"user": user_json(user)})

    return app


def user_json(user: UserView) -> dict[str, Any]:
    """The JSON Envoy's transcoder prints for huntaze.v1.User (lowerCamelCase, zeros printed)."""
    profile = user.profile
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "subscription": user.subscription,
        "isActive": user.is_active,
        "profile": {
            "bio": profile.bio,
            "niches": list(profile.niches),
            "contentTypes": list(profile.content_types),
            "audiencePreferences": list(profile.audience_preferences),
            "goals": list(profile.goals),
            "timezone": profile.timezone,
            "restrictedWords": list(profile.restricted_words),
        },
        "createdAt": rfc3339(user.created_at),
        "updatedAt": rfc3339(user.updated_at),
    }


def rfc3339(moment: datetime) -> str:
    """Protobuf's JSON form of a Timestamp: UTC, 'Z', and 0, 3 or 6 fractional digits."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    micros = moment.microsecond
    if micros % 1000 == 0 and micros:
        text += f".{micros // 1000:03d}"
    elif micros:
        text += f".{micros:06d}"
    return text + "Z"
