"""`python -m server [--workers N] [--grpc-host H] [--grpc-port P]`: the supervisor and its
workers (server/supervisor.py). SIGTERM/SIGINT stop them gracefully, SIGHUP replaces the workers
one at a time (a rolling restart).

Settings come from the environment (server/config.py); flags override them. Without JWT_SECRET
(outside production) the secret kept in var/jwt-secret is used, made on first run.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from interceptors.logging import configure_logging
from server.config import Settings
from server.local_secret import local_jwt_secret
from server.supervisor import supervise

VAR_DIR = Path("var")
logger = logging.getLogger("huntaze.server")


def parse_overrides(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m server", description=__doc__)
    parser.add_argument("--workers", type=int, help="worker processes (default: CPU count)")
    parser.add_argument("--grpc-host", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--grpc-port", type=int, help="shared gRPC port (default 50051)")
    args = parser.parse_args(argv)
    overrides = {
        "workers": args.workers,
        "grpc_host": args.grpc_host,
        "grpc_port": args.grpc_port,
    }
    return {name: value for name, value in overrides.items() if value is not None}


def main(argv: list[str] | None = None) -> int:
    settings = Settings(**parse_overrides(sys.argv[1:] if argv is None else argv))
    configure_logging(settings.log_level)
    if not settings.jwt_secret:
        settings = settings.model_copy(update={"jwt_secret": local_jwt_secret(VAR_DIR)})
        logger.info("JWT_SECRET not set: using the local secret in %s", VAR_DIR / "jwt-secret")
    return supervise(settings, var_dir=VAR_DIR)


if __name__ == "__main__":
    sys.exit(main())
