"""The OpenAPI 3.1 document of the REST API, generated from the descriptor set (`make generate`
writes generated/openapi.json; protos/generate.py calls `write_document`).

Reads the image protoc writes with source info (comments become descriptions), the
`google.api.http` rules, protovalidate's rules, the `huntaze.v1` access and rest options, and
envoy.yaml for the body limits. Deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

from google.protobuf import descriptor_pb2

from openapigen.body_limits import EnvoyBodyLimits
from openapigen.document import build_document

__all__ = ["build_document", "write_document"]


def write_document(descriptor_set: Path, out: Path, *, envoy_template: Path, version: str) -> None:
    # Parsed only now: the option extensions (validate, http, access) are registered by the
    # modules build_document imports, and parsing resolves them.
    image = descriptor_pb2.FileDescriptorSet.FromString(descriptor_set.read_bytes())
    document = build_document(image, version=version, body_limits=EnvoyBodyLimits(envoy_template))
    out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
