"""The upload baseline: a minimal FastAPI app that streams a raw request body to a file while
hashing it (SHA-256), the work the vault's upload does minus sniffing, limits and the database.
Hashing and writing run in a thread per chunk, as in the server. Run by bench/vault_suite.py:

    uvicorn fastapi_upload:create_app --factory --app-dir bench --workers 1

UPLOAD_DIR names the directory files go to (each upload replaces the previous one).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path

from fastapi import FastAPI, Request


def create_app() -> FastAPI:
    app = FastAPI()
    target = Path(os.environ["UPLOAD_DIR"]) / "upload.bin"

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, object]:
        digest = hashlib.sha256()
        size = 0
        with target.open("wb") as file:

            def absorb(chunk: bytes) -> None:
                digest.update(chunk)
                file.write(chunk)

            async for chunk in request.stream():
                size += len(chunk)
                await asyncio.to_thread(absorb, chunk)
        return {"sizeBytes": size, "sha256": digest.hexdigest()}

    return app
