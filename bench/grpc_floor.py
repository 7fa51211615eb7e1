"""The transport's floor for the getme suite: GetMe on a bare grpc.aio server.

It does the server's GetMe work: the token checked by services.auth.tokens.AccessTokens, the
account read by UserService.get through KeyReads, the same huntaze.v1.User message, on
grpc.aio with uvloop as the workers run. It has none of the server's layers: no interceptors
(request id, access log, metrics, errors, auth, rate limit, validation, origin) and no response
headers of its own. Behind an Envoy rendered from the stack's own configuration (the
transcoder), it is the least any server on grpc.aio behind this Envoy costs, so its req/s
against FastAPI behind Envoy bounds issue 13's third target from above.

Run by bench/getme_suite.py, one process per slot (they share the TCP port, as the workers do):

    python bench/grpc_floor.py RUNTIME_DIR SLOT GRPC_PORT
"""

from __future__ import annotations

import sys
from pathlib import Path

import grpc
import uvloop
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from huntaze.v1 import users_pb2, users_pb2_grpc

from server.app import access_tokens
from server.config import Settings
from server.runtime import RuntimeDir
from server.servicers.users import user_message
from services.auth.tokens import AccessTokens
from services.db import create_engine, create_uow_factory
from services.db.key_reads import KeyReads
from services.errors import NotFound, Unauthenticated
from services.users.service import UserService


class _Users(users_pb2_grpc.UserServiceServicer):
    def __init__(self, users: UserService, tokens: AccessTokens) -> None:
        self._users = users
        self._tokens = tokens

    async def GetMe(
        self, request: users_pb2.GetMeRequest, context: grpc.aio.ServicerContext
    ) -> users_pb2.GetMeResponse:
        headers = dict(context.invocation_metadata() or ())
        scheme, _, token = str(headers.get("authorization", "")).partition(" ")
        try:
            if scheme.lower() != "bearer" or not token:
                raise Unauthenticated("missing bearer token")
            user = await self._users.get(self._tokens.verify(token).user_id)
        except Unauthenticated as error:
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, str(error))
        except NotFound as error:
            await context.abort(grpc.StatusCode.NOT_FOUND, str(error))
        return users_pb2.GetMeResponse(user=user_message(user))


async def serve(runtime: RuntimeDir, slot: int, grpc_port: int) -> None:
    settings = Settings()
    engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
    key_reads = KeyReads(engine, postgres_connections=settings.database_pool_size)
    tokens = access_tokens(settings)
    server = grpc.aio.server()
    users = UserService(create_uow_factory(engine), accounts=key_reads)
    users_pb2_grpc.add_UserServiceServicer_to_server(_Users(users, tokens), server)
    health_servicer = health.aio.HealthServicer()  # Envoy's health checks of the endpoint
    await health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    server.add_insecure_port(f"unix:{runtime.worker_socket(slot)}")
    server.add_insecure_port(f"127.0.0.1:{grpc_port}")
    await server.start()
    try:
        await server.wait_for_termination()
    finally:
        await key_reads.aclose()
        await engine.dispose()


if __name__ == "__main__":
    runtime_dir, slot, port = sys.argv[1:]
    uvloop.run(serve(RuntimeDir(Path(runtime_dir)), int(slot), int(port)))
