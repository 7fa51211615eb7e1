"""Each RPC's access policy, read from the `huntaze.v1.access` method option in the descriptors.

The protos are the only place that says which methods are public, which plans may call them and
which rate-limit class they draw from; this module just indexes them by full method name.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from types import ModuleType

from google.protobuf.descriptor import FileDescriptor
from huntaze.v1 import options_pb2

AccessPolicy = options_pb2.AccessPolicy
RateLimitClass = options_pb2.RateLimitClass

# Standard infrastructure services the server may register: callable without a token.
_PUBLIC_INFRASTRUCTURE: Mapping[str, AccessPolicy] = {
    "grpc.health.v1.Health": AccessPolicy(
        public=True, rate_limit=options_pb2.RATE_LIMIT_CLASS_NONE
    ),
    "grpc.reflection.v1.ServerReflection": AccessPolicy(
        public=True, rate_limit=options_pb2.RATE_LIMIT_CLASS_STANDARD
    ),
    "grpc.reflection.v1alpha.ServerReflection": AccessPolicy(
        public=True, rate_limit=options_pb2.RATE_LIMIT_CLASS_STANDARD
    ),
}
# A method without a policy (or one we do not know) needs a token: deny by default.
DEFAULT_POLICY = AccessPolicy(public=False, rate_limit=options_pb2.RATE_LIMIT_CLASS_STANDARD)


def _package_modules(package: str) -> list[ModuleType]:
    root = importlib.import_module(package)
    return [
        importlib.import_module(f"{package}.{info.name}")
        for info in pkgutil.iter_modules(root.__path__)
        if info.name.endswith("_pb2")
    ]


class AccessPolicies:
    """{"/pkg.Service/Method": AccessPolicy}, built once from file descriptors."""

    def __init__(self, files: Iterable[FileDescriptor]) -> None:
        table: dict[str, AccessPolicy] = {}
        for file in files:
            for service in file.services_by_name.values():
                for method in service.methods:
                    options = method.GetOptions()
                    if options.HasExtension(options_pb2.access):
                        policy = options.Extensions[options_pb2.access]
                        table[f"/{service.full_name}/{method.name}"] = policy
        self._table = table

    @classmethod
    def from_package(cls, package: str = "huntaze.v1") -> AccessPolicies:
        """Imports every *_pb2 module of `package` and reads its services' options."""
        return cls(module.DESCRIPTOR for module in _package_modules(package))

    def __getitem__(self, method: str) -> AccessPolicy:
        policy = self._table.get(method)
        if policy is not None:
            return policy
        service = method.lstrip("/").partition("/")[0]
        return _PUBLIC_INFRASTRUCTURE.get(service, DEFAULT_POLICY)

    def __len__(self) -> int:
        return len(self._table)
