"""The API reference through Envoy: GET /api/openapi.json is the committed, valid OpenAPI 3.1
document and covers every `google.api.http` rule of the contract; /api/docs and its assets are
served by Envoy itself (no worker sees them), cacheable, gzipped, revalidated with 304."""

from __future__ import annotations

import gzip
import importlib
import json
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import huntaze.v1
import pytest
from google.api import annotations_pb2
from openapi_spec_validator import validate
from support.databases import sqlite_url
from support.e2e_stack import Stack, running_stack

from server.api_docs import ASSET_BUCKET

pytestmark = pytest.mark.e2e

COMMITTED = Path(__file__).resolve().parents[2] / "generated" / "openapi.json"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("reference")
    with running_stack(workdir, sqlite_url(workdir)) as running:
        yield running


@pytest.fixture
def client(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.base_url, timeout=10) as http:
        yield http


def http_rules() -> set[tuple[str, str]]:
    """(verb, path) of every binding, read from the contract's compiled descriptors."""
    rules = set()
    modules = [
        importlib.import_module(f"huntaze.v1.{module.name}")
        for module in pkgutil.iter_modules(huntaze.v1.__path__)
        if module.name.endswith("_pb2")
    ]
    for service in (s for m in modules for s in m.DESCRIPTOR.services_by_name.values()):
        for method in service.methods:
            rule = method.GetOptions().Extensions[annotations_pb2.http]
            for binding in (rule, *rule.additional_bindings):
                verb = binding.WhichOneof("pattern")
                path = re.sub(r"\{([^}=]+)(=[^}]*)?\}", r"{\1}", getattr(binding, verb))
                rules.add((verb, path))
    return rules


def test_the_document_is_the_committed_one_and_valid(client: httpx.Client) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == COMMITTED.read_bytes()
    document = response.json()
    validate(document)
    assert document["openapi"].startswith("3.1")


def test_the_document_covers_every_http_rule_of_the_contract(client: httpx.Client) -> None:
    document = client.get("/api/openapi.json").json()
    operations = {(verb, path) for path, item in document["paths"].items() for verb in item}
    assert operations == http_rules()
    assert len(operations) >= 33


def test_envoy_serves_the_reference_without_the_workers(client: httpx.Client, stack: Stack) -> None:
    before = sum(stack.runner.upstream_requests().values())
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assets = re.findall(r'(?:src|href)="(/api/docs/[^"]+)"', page.text)
    assert len(assets) == 4
    types = {client.get(asset).headers["content-type"].split(";")[0] for asset in assets}
    assert types == {"text/javascript", "text/css", "image/png"}
    (initializer,) = [asset for asset in assets if "initializer" in asset]
    assert 'url: "/api/openapi.json"' in client.get(initializer).text
    client.get("/api/openapi.json")
    assert sum(stack.runner.upstream_requests().values()) == before


def test_versioned_assets_are_immutable(client: httpx.Client) -> None:
    page = client.get("/api/docs").text
    (bundle,) = re.findall(r'src="(/api/docs/swagger-ui-bundle\.[0-9a-f]{16}\.js)"', page)
    response = client.get(bundle)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "SwaggerUIBundle" in response.text


def test_the_document_is_revalidated_with_its_etag(client: httpx.Client) -> None:
    first = client.get("/api/openapi.json")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=300"
    assert first.headers["access-control-allow-origin"] == "*"
    again = client.get("/api/openapi.json", headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert "location" not in again.headers
    stale = client.get("/api/openapi.json", headers={"if-none-match": 'W/"0000"'})
    assert stale.status_code == 200 and stale.content == first.content


def test_gzip_clients_get_the_gzipped_copy(stack: Stack) -> None:
    # httpx would decode it: read the raw bytes.
    with (
        httpx.Client(base_url=stack.base_url) as raw,
        raw.stream("GET", "/api/openapi.json", headers={"accept-encoding": "gzip"}) as response,
    ):
        body = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "accept-encoding"
    assert gzip.decompress(body) == COMMITTED.read_bytes()
    assert len(body) < COMMITTED.stat().st_size / 5


def test_head_answers_the_headers_only(client: httpx.Client) -> None:
    response = client.head("/api/openapi.json", headers={"accept-encoding": "identity"})
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["content-length"]) == COMMITTED.stat().st_size


@pytest.mark.parametrize("path", ["/api/openapi.json", "/api/docs"])
def test_other_methods_get_a_json_405(client: httpx.Client, path: str) -> None:
    response = client.post(path, json={})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    body = response.json()
    assert body["code"] == 12
    assert body["details"][0]["reason"] == "METHOD_NOT_ALLOWED"


def test_the_bundle_has_a_token_bucket(client: httpx.Client) -> None:
    """Each in-flight direct response holds the file in memory: the number of copies that can
    start per second is bounded (the other routes keep working)."""
    page = client.get("/api/docs").text
    (bundle,) = re.findall(r'src="(/api/docs/swagger-ui-bundle\.[0-9a-f]{16}\.js)"', page)
    burst, _ = ASSET_BUCKET
    statuses = [client.head(bundle).status_code for _ in range(burst + 5)]
    assert statuses[0] == 200
    assert 429 in statuses
    refused = client.get(bundle)
    assert refused.status_code == 429
    assert refused.json()["details"][0]["reason"] == "RATE_LIMITED"
    assert client.get("/api/openapi.json").status_code == 200
    assert client.get("/api/health").status_code == 200


def test_the_document_is_what_the_server_speaks(client: httpx.Client) -> None:
    """Spot check against a live answer: the health schema's required fields are printed."""
    document = json.loads(COMMITTED.read_text())
    health = document["components"]["schemas"]["GetHealthResponse"]
    body = client.get("/api/health").json()
    assert set(health["required"]) <= set(body)
