"""Regenerates everything under generated/ from protos/ (run by `make generate`).

Works offline: googleapis' protos come from the googleapis-common-protos wheel, the well-known
types from grpcio-tools, and buf/validate/validate.proto (whose source no wheel ships) from the
serialized descriptor embedded in the protovalidate wheel.
"""

from __future__ import annotations

import ast
import importlib.util
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from google.protobuf import (  # noqa: F401 (registers)
    descriptor_pb2,
    descriptor_pool,
    duration_pb2,
    field_mask_pb2,
    timestamp_pb2,
)

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "protos"
OUT = ROOT / "generated"
DESCRIPTOR_SET = OUT / "huntaze.binpb"
OPENAPI = OUT / "openapi.json"
# Envoy's route table decides the body limits the document states.
ENVOY_TEMPLATE = ROOT / "envoy.yaml"
# Extra protos compiled into the descriptor set Envoy loads: error_details lets Envoy's status
# conversion render google.rpc.BadRequest details as JSON.
ENVOY_EXTRA_PROTOS = ["google/rpc/error_details.proto"]


def _module_dir(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    assert spec and spec.origin, module
    return Path(spec.origin).parent


def _validate_descriptor_set(path: Path) -> None:
    """Writes a FileDescriptorSet holding buf/validate/validate.proto and its imports."""
    source = (_module_dir("protovalidate") / "_gen/buf/validate/validate_pb.py").read_text()
    call = next(
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "file_desc"
    )
    validate = descriptor_pb2.FileDescriptorProto.FromString(ast.literal_eval(call.args[0]))
    fds = descriptor_pb2.FileDescriptorSet()
    for dep in validate.dependency:
        proto = descriptor_pb2.FileDescriptorProto()
        descriptor_pool.Default().FindFileByName(dep).CopyToProto(proto)
        fds.file.append(proto)
    fds.file.append(validate)
    path.write_bytes(fds.SerializeToString())


def _protoc(*args: str) -> None:
    cmd = [sys.executable, "-m", "grpc_tools.protoc", *args]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"protoc failed:\n{result.stderr}")


def build_image(proto_root: Path, image: Path, *, includes: list[str], validate_set: Path) -> None:
    """Self-contained descriptor set (imports and source info) for Envoy and buf."""
    own = sorted(str(p.relative_to(proto_root)) for p in proto_root.rglob("*.proto"))
    _protoc(
        f"-I{proto_root}",
        *includes,
        f"--descriptor_set_in={validate_set}",
        "--include_imports",
        "--include_source_info",
        f"--descriptor_set_out={image}",
        *own,
        *ENVOY_EXTRA_PROTOS,
    )


def _third_party_includes() -> list[str]:
    site = _module_dir("google.api.annotations_pb2").parent.parent  # google/api, google/rpc
    wkt = _module_dir("grpc_tools") / "_proto"
    return [f"-I{site}", f"-I{wkt}"]


def image_only(proto_root: Path, image: Path, *, extra_includes: tuple[Path, ...] = ()) -> None:
    """A descriptor set of the protos under `proto_root` (also used by tests on sample protos,
    which may import ours through `extra_includes`)."""
    includes = [*_third_party_includes(), *(f"-I{path}" for path in extra_includes)]
    with tempfile.TemporaryDirectory() as tmp:
        validate_set = Path(tmp) / "validate.binpb"
        _validate_descriptor_set(validate_set)
        build_image(proto_root, image, includes=includes, validate_set=validate_set)


def main() -> None:
    own = sorted(str(p.relative_to(PROTO_ROOT)) for p in PROTO_ROOT.rglob("*.proto"))

    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir()
    with tempfile.TemporaryDirectory() as tmp:
        validate_set = Path(tmp) / "validate.binpb"
        _validate_descriptor_set(validate_set)
        includes = _third_party_includes()
        # Python messages, .pyi stubs and gRPC stubs for our own protos.
        _protoc(
            f"-I{PROTO_ROOT}",
            *includes,
            f"--descriptor_set_in={validate_set}",
            f"--python_out={OUT}",
            f"--pyi_out={OUT}",
            f"--grpc_python_out={OUT}",
            *own,
        )
        # google-protobuf runtime module for buf/validate (our _pb2 files import it).
        _protoc(
            f"--descriptor_set_in={validate_set}",
            f"--python_out={OUT}",
            f"--pyi_out={OUT}",
            "buf/validate/validate.proto",
        )
        build_image(PROTO_ROOT, DESCRIPTOR_SET, includes=includes, validate_set=validate_set)
    for package_dir in [p for p in OUT.rglob("*") if p.is_dir()]:
        (package_dir / "__init__.py").touch()
    _openapi()
    print(f"generated {len(own)} protos into {OUT.relative_to(ROOT)}/")


def _openapi() -> None:
    """generated/openapi.json, from the image just built (imports the fresh generated/ code)."""
    sys.path.insert(0, str(OUT))
    from openapigen import write_document

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    write_document(DESCRIPTOR_SET, OPENAPI, envoy_template=ENVOY_TEMPLATE, version=version)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--image-only":
        # Used by protos/breaking.py on an older checkout's protos/ (the working directory).
        image_only(Path.cwd() / "protos", Path(sys.argv[2]))
    else:
        main()
