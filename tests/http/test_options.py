"""OPTIONS names every method a route takes, with or without CORS; preflights answer in kind."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from tests.http.support import API, Client

ORIGIN = "https://resume.example"
EVERY_METHOD = {"GET", "POST", "PATCH", "DELETE", "OPTIONS"}


def allowed(header: str) -> set[str]:
    return {method.strip() for method in header.split(",")}


@pytest.fixture(params=["without CORS", "with CORS"])
def any_client(request: pytest.FixtureRequest, client_with: Client) -> TestClient:  # type: ignore[type-arg]
    """The app as deployed, without CORS and with an origin allowed."""
    origins = (ORIGIN,) if request.param == "with CORS" else ()
    return client_with(cors_origins=origins)


@pytest.mark.parametrize("path", [API, API.rstrip("/")])
def test_options_on_the_api_names_every_method(any_client: TestClient, path: str) -> None:
    """204 with Allow: DELETE, GET, OPTIONS, PATCH, POST (Litestar 2 alone said GET, OPTIONS)."""
    response = any_client.options(path)
    assert response.status_code == 204
    assert allowed(response.headers["allow"]) == EVERY_METHOD
    assert response.content == b""


def test_options_agrees_with_405(any_client: TestClient) -> None:
    """The methods OPTIONS names are the ones a 405 names."""
    options = any_client.options(API).headers["allow"]
    refused = any_client.put(API)
    assert refused.status_code == 405
    assert allowed(options) == allowed(refused.headers["allow"])


def test_every_route_answers_options_with_the_methods_it_takes(any_client: TestClient) -> None:
    """Each route of the app, static files (GET and HEAD) included, names its own methods."""
    app = any_client.app
    assert isinstance(app, Litestar)
    routes = [route for route in app.routes if isinstance(route, HTTPRoute)]
    assert len(routes) >= 8
    for route in routes:
        if route.path == "/schema/{path:str}":
            continue  # Litestar's catch-all for misses under /schema: a miss is a 404
        path = re.sub(r"\{[^}]*\}", "x", route.path)
        response = any_client.options(path)
        assert response.status_code == 204, path
        assert allowed(response.headers["allow"]) == set(route.methods), path


def test_options_needs_no_token_and_a_miss_is_404(any_client: TestClient) -> None:
    """OPTIONS is answered without a token; OPTIONS on a path no route takes is 404 {"error"}."""
    assert any_client.options(API + "limits").status_code == 204
    missing = any_client.options("/api/resume/other/")
    assert missing.status_code == 404
    assert list(missing.json()) == ["error"]


def test_a_preflight_from_an_allowed_origin_names_every_method(client_with: Client) -> None:
    """The preflight of a DELETE from an allowed origin allows it, its headers, and says Allow."""
    client = client_with(cors_origins=(ORIGIN,))
    response = client.options(
        API,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "DELETE",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert allowed(response.headers["access-control-allow-methods"]) == EVERY_METHOD
    assert allowed(response.headers["allow"]) == EVERY_METHOD
    assert "authorization" in response.headers["access-control-allow-headers"].lower()
    assert response.headers["access-control-max-age"] == "600"
    assert "origin" in response.headers["vary"].lower()


def test_a_preflight_from_another_origin_is_refused_without_an_error_page(
    client_with: Client,
) -> None:
    """Another origin's preflight gets Allow and no CORS header (the browser refuses), never
    Litestar's text/plain 400; its other answers carry no Access-Control-Allow-Origin."""
    client = client_with(cors_origins=(ORIGIN,))
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "DELETE"}
    response = client.options(API, headers=preflight)
    assert response.status_code == 204
    assert allowed(response.headers["allow"]) == EVERY_METHOD
    assert not any(name.startswith("access-control-") for name in response.headers)
    assert "origin" in response.headers["vary"].lower()
    other = client.get(API, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_an_allowed_origin_can_read_errors_too(client_with: Client) -> None:
    """A 401 and a 404 to an allowed origin carry its Access-Control-Allow-Origin, so the page
    can read the {"error"} sentence."""
    client = client_with(cors_origins=(ORIGIN,))
    for response in [
        client.get(API, headers={"Origin": ORIGIN}),
        client.get("/api/resume/other/", headers={"Origin": ORIGIN}),
    ]:
        assert response.status_code in {401, 404}
        assert response.headers["access-control-allow-origin"] == ORIGIN
        assert list(response.json()) == ["error"]
