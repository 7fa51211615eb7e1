"""The API reference, served by Envoy itself: `GET /api/openapi.json` (generated/openapi.json) and
`GET /api/docs`, a Swagger UI page (assets from the swagger-ui-py wheel). The workers never see
these requests.

Envoy reads the files once, at start, as direct responses. Each answer carries a weak ETag (a
request with `If-None-Match` gets 304) and Cache-Control; assets have their hash in their name and
are immutable. Text files are gzipped here once, so Envoy sends the small copy to clients that
accept gzip without compressing anything per request: a direct response holds its body in memory
until the client has read it, so the big bundle is also behind a token bucket that bounds how
many copies slow readers can pin.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.envoy_routes import TRANSCODER_OFF, header, method_not_allowed

REPO_ROOT = Path(__file__).resolve().parent.parent
OPENAPI = REPO_ROOT / "generated" / "openapi.json"
OPENAPI_PATH = "/api/openapi.json"
DOCS_PATH = "/api/docs"
DOCS_CACHE = "public, max-age=300"
ASSET_CACHE = "public, max-age=31536000, immutable"
# Scripts and styles from this origin only: the page has no inline code.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# How many copies of the bundle and stylesheet may start per second across all clients (burst,
# refill per second); a browser fetches them once a year (immutable).
ASSET_BUCKET = (60, 2)
# The document is small; tools and tests fetch it often.
OPENAPI_BUCKET = (600, 50)

JAVASCRIPT = "text/javascript; charset=utf-8"


@dataclass(frozen=True)
class StaticFile:
    """One file Envoy serves: its bytes, its name and its media type."""

    name: str
    data: bytes
    content_type: str
    compress: bool

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()[:16]

    def versioned_name(self) -> str:
        """`swagger-ui-bundle.1a2b3c4d5e6f7a8b.js`."""
        stem, dot, suffix = self.name.rpartition(".")
        return f"{stem}.{self.digest}{dot}{suffix}"

    @classmethod
    def read(cls, path: Path, content_type: str, *, compress: bool) -> StaticFile:
        return cls(path.name, path.read_bytes(), content_type, compress)


@dataclass
class DocsSite:
    """The Envoy routes, and the files they read, which `write` puts in place."""

    routes: list[dict[str, Any]] = field(default_factory=list)
    files: dict[Path, bytes] = field(default_factory=dict)

    def write(self) -> None:
        for path, data in self.files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


def swagger_ui_dir() -> Path:
    import swagger_ui  # the swagger-ui-py wheel: Swagger UI 5's dist files

    return Path(swagger_ui.__file__).parent / "static"


def docs_site(static_dir: Path, *, openapi: Path = OPENAPI) -> DocsSite:
    """The routes for the document, the page and its assets, reading files in `static_dir`
    (the stack's runtime directory) once `write` has run."""
    ui = swagger_ui_dir()
    bundle = StaticFile.read(ui / "swagger-ui-bundle.js", JAVASCRIPT, compress=True)
    css = StaticFile.read(ui / "swagger-ui.css", "text/css; charset=utf-8", compress=True)
    icon = StaticFile.read(ui / "favicon-32x32.png", "image/png", compress=False)
    initializer = StaticFile("swagger-initializer.js", _INITIALIZER, JAVASCRIPT, compress=False)
    page = StaticFile(
        "docs.html",
        _page(bundle, css, icon, initializer).encode(),
        "text/html; charset=utf-8",
        compress=True,
    )
    document = StaticFile.read(openapi, "application/json", compress=True)

    docs_paths = f"{OPENAPI_PATH.replace('.', '[.]')}|{DOCS_PATH}(/.*)?"
    refuse = method_not_allowed(
        "docs_method_not_allowed", {"safe_regex": {"regex": docs_paths}}, ["GET", "HEAD"]
    )
    site = DocsSite([refuse])
    builder = _RouteBuilder(site, static_dir)
    builder.revalidated("openapi", OPENAPI_PATH, document, OPENAPI_BUCKET, [_ANY_ORIGIN])
    builder.revalidated("docs", DOCS_PATH, page, None, [("content-security-policy", DOCS_CSP)])
    for name, asset, bucket in (
        ("docs_bundle", bundle, ASSET_BUCKET),
        ("docs_css", css, ASSET_BUCKET),
        ("docs_icon", icon, None),
        ("docs_initializer", initializer, None),
    ):
        path = f"{DOCS_PATH}/{asset.versioned_name()}"
        builder.variants(name, path, asset, bucket, ASSET_CACHE, [])
    return site


_INITIALIZER = (
    "window.ui = SwaggerUIBundle({\n"
    f'  url: "{OPENAPI_PATH}",\n'
    '  dom_id: "#swagger-ui",\n'
    "  deepLinking: true,\n"
    # The default sends the document to an external validator the CSP would block.
    "  validatorUrl: null,\n"
    "});\n"
).encode()
# Public and credential-free: tools on any origin may read the document.
_ANY_ORIGIN = ("access-control-allow-origin", "*")


def _page(bundle: StaticFile, css: StaticFile, icon: StaticFile, init: StaticFile) -> str:
    def url(asset: StaticFile) -> str:
        return f"{DOCS_PATH}/{asset.versioned_name()}"

    return (
        "<!doctype html>\n"
        '<html lang="en">\n'
        "<head>\n"
        '  <meta charset="utf-8">\n'
        "  <title>Huntaze API reference</title>\n"
        f'  <link rel="stylesheet" href="{url(css)}">\n'
        f'  <link rel="icon" type="image/png" href="{url(icon)}">\n'
        "</head>\n"
        "<body>\n"
        '  <div id="swagger-ui"></div>\n'
        f'  <script src="{url(bundle)}"></script>\n'
        f'  <script src="{url(init)}"></script>\n'
        "</body>\n"
        "</html>\n"
    )


class _RouteBuilder:
    def __init__(self, site: DocsSite, static_dir: Path) -> None:
        self._site = site
        self._dir = static_dir

    def revalidated(
        self,
        name: str,
        path: str,
        file: StaticFile,
        bucket: tuple[int, int] | None,
        headers: list[tuple[str, str]],
    ) -> None:
        """A URL without a version: 304 when the client's copy is current, else the file."""
        validators = [("etag", f'W/"{file.digest}"'), *headers]
        self._site.routes.append(
            {
                "name": f"{name}_not_modified",
                "match": {
                    "path": path,
                    "headers": [
                        {"name": "if-none-match", "string_match": {"contains": f'"{file.digest}"'}}
                    ],
                },
                "direct_response": {"status": 304},
                # Envoy gives every 3xx direct response a Location pointing at itself.
                "response_headers_to_remove": ["location"],
                "response_headers_to_add": [
                    header(key, value)
                    for key, value in [
                        *validators,
                        ("cache-control", DOCS_CACHE),
                        ("vary", "accept-encoding"),
                    ]
                ],
                "typed_per_filter_config": TRANSCODER_OFF,
            }
        )
        self.variants(name, path, file, bucket, DOCS_CACHE, validators)

    def variants(
        self,
        name: str,
        path: str,
        file: StaticFile,
        bucket: tuple[int, int] | None,
        cache: str,
        extra: list[tuple[str, str]],
    ) -> None:
        """The gzipped copy for clients that accept it, then the file itself."""
        headers = [
            ("content-type", file.content_type),
            ("cache-control", cache),
            ("x-content-type-options", "nosniff"),
            *extra,
        ]
        per_filter: dict[str, Any] = dict(TRANSCODER_OFF)
        if bucket is not None:
            per_filter["envoy.filters.http.local_ratelimit"] = _token_bucket(name, *bucket)
        if file.compress:
            # mtime=0: the same input gives the same bytes.
            zipped = gzip.compress(file.data, compresslevel=9, mtime=0)
            self._add(
                f"{name}_gzip",
                path,
                file.versioned_name() + ".gz",
                zipped,
                [*headers, ("content-encoding", "gzip"), ("vary", "accept-encoding")],
                per_filter,
                accept_gzip=True,
            )
            headers.append(("vary", "accept-encoding"))
        self._add(name, path, file.versioned_name(), file.data, headers, per_filter)

    def _add(
        self,
        name: str,
        path: str,
        filename: str,
        data: bytes,
        headers: list[tuple[str, str]],
        per_filter: dict[str, Any],
        *,
        accept_gzip: bool = False,
    ) -> None:
        body = self._dir / filename
        self._site.files[body] = data
        match: dict[str, Any] = {"path": path}
        if accept_gzip:
            match["headers"] = [{"name": "accept-encoding", "string_match": {"contains": "gzip"}}]
        self._site.routes.append(
            {
                "name": name,
                "match": match,
                "direct_response": {"status": 200, "body": {"filename": str(body)}},
                "response_headers_to_add": [header(key, value) for key, value in headers],
                "typed_per_filter_config": per_filter,
            }
        )


_LOCAL_RATE_LIMIT = (
    "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit"
)


def _token_bucket(name: str, burst: int, per_second: int) -> dict[str, Any]:
    enforced = {"default_value": {"numerator": 100, "denominator": "HUNDRED"}}
    return {
        "@type": _LOCAL_RATE_LIMIT,
        "stat_prefix": name,
        "token_bucket": {"max_tokens": burst, "tokens_per_fill": per_second, "fill_interval": "1s"},
        "filter_enabled": enforced,
        "filter_enforced": enforced,
    }
