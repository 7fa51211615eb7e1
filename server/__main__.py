"""`python -m server [--workers N] [--grpc-port P] [--worker-ports A,B] [--metrics-port M]`.

Settings come from the environment (server/config.py); flags override them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from interceptors.logging import configure_logging
from server.config import Settings
from server.supervisor import supervise

VAR_DIR = Path("var")


def parse_overrides(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m server", description=__doc__)
    parser.add_argument("--workers", type=int, help="worker processes (default: CPU count)")
    parser.add_argument("--grpc-host", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--grpc-port", type=int, help="shared gRPC port (default 50051)")
    parser.add_argument(
        "--worker-ports", help="comma-separated private port per worker (default: grpc-port+1..)"
    )
    parser.add_argument("--metrics-port", type=int, help="Prometheus port (default 9464)")
    args = parser.parse_args(argv)
    overrides = {
        "workers": args.workers,
        "grpc_host": args.grpc_host,
        "grpc_port": args.grpc_port,
        "grpc_worker_ports": args.worker_ports,
        "metrics_port": args.metrics_port,
    }
    return {name: value for name, value in overrides.items() if value is not None}


def main(argv: list[str] | None = None) -> int:
    settings = Settings(**parse_overrides(sys.argv[1:] if argv is None else argv))
    configure_logging(settings.log_level)
    return supervise(settings, var_dir=VAR_DIR)


if __name__ == "__main__":
    sys.exit(main())
