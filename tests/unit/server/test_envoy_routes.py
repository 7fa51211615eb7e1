"""The 405 routes Envoy answers for a method a REST path lacks."""

from __future__ import annotations

import re

import pytest

from server.envoy_routes import rest_method_routes


def test_one_route_per_path_with_its_allowed_methods() -> None:
    routes = rest_method_routes(
        {"/api/users/me": {"get": {}, "patch": {}}, "/api/things/{id}/cancel": {"post": {}}}
    )
    by_name = {route["name"]: route for route in routes}
    me = by_name["method_not_allowed /api/users/me"]
    assert me["match"]["path"] == "/api/users/me"
    (method,) = me["match"]["headers"]
    assert method["invert_match"] is True
    assert method["string_match"]["safe_regex"]["regex"] == "GET|PATCH|OPTIONS"
    assert me["direct_response"]["status"] == 405
    assert me["response_headers_to_add"][0]["header"] == {"key": "allow", "value": "GET, PATCH"}
    cancel = by_name["method_not_allowed /api/things/{id}/cancel"]
    regex = cancel["match"]["safe_regex"]["regex"]
    assert re.fullmatch(regex, "/api/things/42/cancel")
    assert not re.fullmatch(regex, "/api/things/4/2/cancel")


def test_paths_that_overlap_with_other_methods_are_refused() -> None:
    """`/x/current` would take the 405 route of `/x/{id}` or the reverse: a contract like that
    needs a union of methods, so rendering stops instead of answering a wrong Allow."""
    with pytest.raises(ValueError, match="other methods"):
        rest_method_routes({"/x/current": {"get": {}}, "/x/{id}": {"delete": {}}})
