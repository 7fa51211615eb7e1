"""Every REST route of generated/openapi.json, fuzzed by Schemathesis against the real stack
(Envoy and two workers), on SQLite and on PostgreSQL.

Each operation gets its explicit examples, the coverage phase (boundary values of every rule) and
FUZZ_EXAMPLES generated requests, valid and invalid, with a signed-in account's token (a pro
account's for pro routes, a fresh account for account deletion, a fresh session cookie for
refresh and logout). Checks: no 5xx, only statuses, content types and headers the document
declares, bodies (every SSE event too) that conform to their schemas, protected routes refuse
missing or bad credentials, undeclared methods get 405. Runs are reproducible (fixed seed); set
HUNTAZE_FUZZ_SEED and HUNTAZE_FUZZ_EXAMPLES to explore further.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from schemathesis import Case, CheckContext, Response
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.core.parameters import ParameterLocation
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from support.databases import database
from support.e2e_billing import (
    PRICES,
    STRIPE_KEY,
    WEBHOOK_PATH,
    WEBHOOK_SECRET,
    stripe_env,
    subscribe,
)
from support.e2e_client import (
    PASSWORD,
    bearer,
    new_email,
    refresh_cookie_of,
    sign_in,
    sign_up,
)
from support.e2e_db import set_plan
from support.e2e_stack import Stack, running_stack
from support.fake_stripe import FakeStripe
from support.media_samples import image_bytes
from support.openapi_checks import Proto3Json, refused_only_for_worded_rules

from services.common.ids import new_id

pytestmark = pytest.mark.e2e

DOCUMENT_PATH = Path(__file__).resolve().parents[2] / "generated" / "openapi.json"
DOCUMENT = json.loads(DOCUMENT_PATH.read_text())
# Generated requests per operation beyond the explicit and boundary (coverage) ones.
FUZZ_EXAMPLES = int(os.environ.get("HUNTAZE_FUZZ_EXAMPLES", "25"))
SEED = int(os.environ.get("HUNTAZE_FUZZ_SEED", "9"))
UPLOAD_PATH = "/api/content-creation/upload"
FUZZ_UPLOAD = image_bytes("PNG", (8, 8))
IMPORT_PATH = "/api/analytics/import"
# Operations on one item of the caller's: valid requests name a new one (list path, JSON body).
ON_AN_ITEM = {
    **dict.fromkeys(
        ("GetContent", "UpdateContent", "DeleteContent"),
        ("/api/content-creation/content", {"title": "Fuzzed", "type": "photo"}),
    ),
    **dict.fromkeys(
        ("GetCampaign", "UpdateCampaign", "DeleteCampaign"),
        ("/api/content-creation/campaigns", {"title": "Fuzzed"}),
    ),
    **dict.fromkeys(
        ("UpdateScheduledPost", "CancelScheduledPost"),
        (
            "/api/content-creation/schedule",
            {
                "title": "Fuzzed",
                "contentType": "photo",
                "platforms": ["onlyfans"],
                "scheduledAt": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
            },
        ),
    ),
}
# Operations on one of the caller's assets: valid requests name a freshly uploaded one (and a
# valid download carries that asset's signed link).
ON_AN_ASSET = {"GetAsset", "UpdateAsset", "DeleteAsset", "DownloadAsset"}
# Operations on one subscription: valid requests name a live subscription of the caller's.
ON_A_SUBSCRIPTION = {"BillingService_CancelSubscription", "BillingService_ResumeSubscription"}
STACK_ENV = {
    "RATE_LIMIT_AUTH": "100000/60",
    "RATE_LIMIT_STANDARD": "100000/60",
    "RATE_LIMIT_AI": "100000/60",
    "RATE_LIMIT_SESSION": "100000/60",
    "RATE_LIMIT_WEBHOOK": "100000/60",
    # Running out of messages (402) is a state, not a request the document refuses.
    "MESSAGE_ALLOWANCE_FREE": "1000000",
}

schema = schemathesis.openapi.from_dict(
    DOCUMENT,
    config=schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {
                "max-examples": FUZZ_EXAMPLES,
                "database": "none",
                "deterministic": True,
                # Unknown query parameters are ignored by design (cache busters): not a bug.
                "allow-extra-parameters": False,
            },
            "checks": {
                "not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx"]},
            },
            "request-timeout": 15,
        }
    ),
)


def plans_of(case: Case) -> list[str]:
    return list(case.operation.definition.raw.get("x-huntaze-plans", []))


@dataclass
class Accounts:
    """The signed-in users the fuzzer acts as, on one stack (billing on a local Stripe)."""

    stack: Stack
    http: httpx.Client
    stripe: FakeStripe
    tokens: dict[str, str] = field(default_factory=dict)
    sign_ins: int = 0
    uploads: int = 0

    @functools.cached_property
    def email(self) -> str:
        """An account whose password is PASSWORD, for sign-in."""
        email = new_email()
        assert sign_up(self.http, email).status_code == 200
        return email

    def token(self, plan: str) -> str:
        if plan not in self.tokens:
            self.tokens[plan] = self.fresh(plan)["accessToken"]
        return self.tokens[plan]

    def subscriber(self) -> tuple[str, str]:
        """A new account with a paid subscription: its access token and subscription id."""
        token = self.fresh()["accessToken"]
        subscribe(self.http, self.stripe, token)
        current = self.http.get("/api/billing/subscriptions/current", headers=bearer(token))
        return token, current.json()["subscription"]["id"]

    def item(self, token: str, path: str, body: dict[str, Any]) -> str:
        """A new item of the token's account (POST `body` to `path`): its id."""
        created = self.http.post(path, json=body, headers=bearer(token))
        assert created.status_code == 200, created.text
        (item,) = created.json().values()
        return str(item["id"])

    def asset(self, token: str) -> dict[str, Any]:
        """A newly uploaded asset of the token's account (a distinct little PNG each time)."""
        self.uploads += 1
        uploaded = self.http.post(
            UPLOAD_PATH,
            params={"filename": "fuzz.png"},
            content=image_bytes("PNG", (8 + self.uploads % 500, 8 + self.uploads // 500)),
            headers=bearer(token),
        )
        assert uploaded.status_code == 200, uploaded.text
        return dict(uploaded.json()["asset"])

    def stripe_event(self) -> tuple[bytes, str]:
        """A Stripe event as the webhook receives it: raw JSON and its signature."""
        event = {
            "id": f"evt_fuzz_{new_id().replace('-', '')}",
            "object": "event",
            "type": "customer.updated",
            "created": int(time.time()),
            "data": {"object": {"id": "cus_fuzz", "object": "customer"}},
        }
        return self.stripe.signed(json.dumps(event).encode(), WEBHOOK_SECRET)

    def fresh(self, plan: str = "free") -> dict[str, str]:
        """A new account's access token and refresh token."""
        email = new_email()
        assert sign_up(self.http, email).status_code == 200
        if plan != "free":
            set_plan(self.stack.database_url, email, plan)
        response = sign_in(self.http, email)
        assert response.status_code == 200
        refresh, _ = refresh_cookie_of(response)
        return {"accessToken": response.json()["accessToken"], "refreshToken": refresh}


# (operation label, database) -> statuses seen, for the last test.
OUTCOMES: dict[tuple[str, str], set[int]] = defaultdict(set)


# Schemathesis sets credentials when it generates a case, partly at collection time, before
# any stack runs: it sets a role, and each call swaps the role for that role's real credential.
# Cases whose credentials Schemathesis removed or garbled on purpose are left alone.
ROLE = "huntaze-fuzz-role:"


@schema.auth(refresh_interval=None)
class Credentials:
    """The right plan's token; a fresh account where the call ends it (DELETE /api/users/me)."""

    def get(self, case: Case, context: Any) -> str:
        if case.method == "DELETE" and case.path == "/api/users/me":
            return "doomed"
        if case.operation.definition.raw["operationId"] in ON_A_SUBSCRIPTION:
            return "subscriber"
        return "pro" if plans_of(case) else "free"

    def set(self, case: Case, role: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {ROLE}{role}"}


@contextlib.contextmanager
def real_credentials(case: Case, accounts: Accounts) -> Iterator[None]:
    """`case` with real credentials for one call, then as generated again: Schemathesis hands
    the same explicit and coverage cases to both stacks, and one stack's tokens name no account
    on the other."""
    generated = case.headers, case.cookies, case.body, case.path_parameters, case.media_type
    with_credentials(case, accounts)
    try:
        yield
    finally:
        case.headers, case.cookies, case.body, case.path_parameters, case.media_type = generated


def with_credentials(case: Case, accounts: Accounts) -> None:
    """The real credential of the role the case was generated with; a live session in the
    refresh cookie of valid requests (a generated one is only ever refused)."""
    positive = case.meta is None or not case.meta.generation.mode.is_negative
    header = (case.headers or {}).get("Authorization", "")
    if header.startswith(f"Bearer {ROLE}"):
        role = header.removeprefix(f"Bearer {ROLE}")
        if role == "subscriber":
            token, subscription_id = accounts.subscriber()
            if positive:
                case.path_parameters = {**(case.path_parameters or {}), "id": subscription_id}
        elif role == "doomed":
            token = accounts.fresh()["accessToken"]
        else:
            token = accounts.token(role)
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
        method = str(case.operation.definition.raw["operationId"]).split("_")[-1]
        if positive and method in ON_AN_ITEM:
            item_id = accounts.item(token, *ON_AN_ITEM[method])
            case.path_parameters = {**(case.path_parameters or {}), "id": item_id}
        if positive and method in ON_AN_ASSET:
            asset = accounts.asset(token)
            case.path_parameters = {**(case.path_parameters or {}), "id": asset["id"]}
            if method == "DownloadAsset":
                link = httpx.URL(asset["url"])
                signed = ("variant", "expires", "signature")
                case.query = {name: link.params[name] for name in signed}
                if "Range" in (case.headers or {}):  # a valid range is one inside the file
                    case.headers = {**(case.headers or {}), "Range": "bytes=0-"}
    if positive and case.path == WEBHOOK_PATH:
        # Only Stripe can sign: a valid delivery is a signed event.
        case.body, signature = accounts.stripe_event()
        case.media_type = "application/json"
        case.headers = {**(case.headers or {}), "Stripe-Signature": signature}
    if positive and case.path == IMPORT_PATH:
        # A valid import is a CSV statement (any bytes are schema-valid); new ids each time.
        case.body = (
            f"id,type,occurredAt,source,amount\n{new_id()},revenue,2026-03-01T10:00:00Z,tip,5\n"
        ).encode()
        case.media_type = "text/csv"
    if positive and case.path == UPLOAD_PATH:
        # A valid upload is a file of an accepted type (any bytes are schema-valid).
        case.body = FUZZ_UPLOAD
        case.media_type = "application/octet-stream"
    if positive and "refreshToken" in (case.cookies or {}):
        case.cookies = {**(case.cookies or {}), "refreshToken": accounts.fresh()["refreshToken"]}
    if positive and case.path == "/api/auth/signin" and isinstance(case.body, dict):
        # Every other valid sign-in uses a real account's credentials, so both answers occur.
        accounts.sign_ins += 1
        if accounts.sign_ins % 2:
            case.body = {**case.body, "email": accounts.email, "password": PASSWORD}


PROTO3_JSON = Proto3Json(DOCUMENT)


def undeclared_methods_refused(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """405 and Allow for a method a path does not have. A QUERY without a Content-Type is
    malformed to Envoy (the QUERY method carries content): it answers 400 before routing."""
    query_without_type = (
        response.request.method == "QUERY"
        and "content-type" not in {name.lower() for name in response.request.headers}
        and response.status_code == 400
    )
    return None if query_without_type else unsupported_method(ctx, response, case)


def refuses_what_the_document_forbids(
    ctx: CheckContext, response: Response, case: Case
) -> bool | None:
    """Invalid requests are refused, except what proto3 JSON reads as valid on purpose (a `null`
    is an absent field, "5" is the number 5), and bodies of raw-bytes routes (the webhook: any
    bytes are valid, what makes a delivery valid is its signature)."""
    try:
        return negative_data_rejection(ctx, response, case)
    except AcceptedNegativeData:
        assert case.meta is not None
        negative = {loc for loc, info in case.meta.components.items() if info.mode.is_negative}
        if _takes_any_bytes(case) and not negative - {ParameterLocation.BODY}:
            return None  # any bytes are a valid body here: only the signature can be wrong
        body_schema = _body_schema(case)
        if (
            negative == {ParameterLocation.BODY}
            and body_schema is not None
            and PROTO3_JSON.reads_as_valid(case.body, body_schema)
        ):
            return None
        raise


def accepts_what_the_document_allows(
    ctx: CheckContext, response: Response, case: Case
) -> bool | None:
    """Valid requests are accepted, except those refused for a rule the document states in
    words only (CEL rules, the use cases' rules)."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if response.status_code == 400 and refused_only_for_worded_rules(_json(response)):
            return None
        raise


def every_event_conforms(ctx: CheckContext, response: Response, case: Case) -> None:
    """Each SSE event's data is the JSON of the declared message (its contentSchema)."""
    if not response.headers.get("content-type", [""])[0].startswith("text/event-stream"):
        return
    media = case.operation.definition.raw["responses"]["200"]["content"]["text/event-stream"]
    validator = PROTO3_JSON.validator(media["schema"]["properties"]["data"]["contentSchema"])
    # Schemathesis stops reading a long stream after some events: the last may be cut short.
    *complete, _ = response.text.split("\n\n")
    events = [event.removeprefix("data:").strip() for event in complete]
    assert events, "an event stream without events"
    for event in events:
        validator.validate(json.loads(event))


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    every_event_conforms,
    refuses_what_the_document_forbids,
    accepts_what_the_document_allows,
    missing_required_header,
    undeclared_methods_refused,
    allow_header_conformance,
    ignored_auth,
]


def _body_schema(case: Case) -> dict[str, Any] | None:
    request = case.operation.definition.raw.get("requestBody", {})
    media = request.get("content", {}).get("application/json")
    return None if media is None else media["schema"]


def _takes_any_bytes(case: Case) -> bool:
    content = case.operation.definition.raw.get("requestBody", {}).get("content", {})
    return "*/*" in content


def _json(response: Response) -> Any:
    try:
        return json.loads(response.text)
    except ValueError:
        return None


@pytest.fixture(scope="module")
def stripe_server() -> Iterator[FakeStripe]:
    with FakeStripe(STRIPE_KEY, prices=PRICES) as server:
        yield server


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def accounts(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    stripe_server: FakeStripe,
) -> Iterator[Accounts]:
    workdir = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    env = {**STACK_ENV, **stripe_env(stripe_server)}
    with (
        database(request.param, workdir) as url,
        running_stack(workdir, url, workers=2, env=env) as stack,
        httpx.Client(base_url=stack.base_url, timeout=15) as http,
    ):
        yield Accounts(stack, http, stripe_server)


@pytest.fixture(scope="module")
def session(accounts: Accounts) -> Iterator[requests.Session]:
    with requests.Session() as http:
        yield http


@schema.parametrize()
def test_every_route_keeps_its_contract(
    case: Case, accounts: Accounts, session: requests.Session, request: pytest.FixtureRequest
) -> None:
    with real_credentials(case, accounts):
        response = case.call_and_validate(
            base_url=accounts.stack.base_url, session=session, checks=CHECKS
        )
    OUTCOMES[(case.operation.label, request.node.callspec.params["accounts"])].add(
        response.status_code
    )


def test_the_fuzzer_reached_every_route(accounts: Accounts, request: pytest.FixtureRequest) -> None:
    """Each route answered at least one request with success (so its response schema was
    checked)."""
    kind = request.node.callspec.params["accounts"]
    seen = {label: statuses for (label, db), statuses in OUTCOMES.items() if db == kind}
    if not seen:
        pytest.skip("runs after test_every_route_keeps_its_contract")
    for path, item in DOCUMENT["paths"].items():
        for verb in item:
            label = f"{verb.upper()} {path}"
            statuses = seen.get(label, set())
            assert any(200 <= s < 300 for s in statuses), f"{label}: {sorted(statuses)}"
