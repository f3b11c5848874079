"""The page and the docs are served by the app itself, under strict headers, with no CDN."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from litestar.testing import TestClient


def test_the_page_is_served_with_a_strict_policy(client: TestClient) -> None:
    """No inline script, no third-party origin: the CSP allows this app's own files only."""
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self';" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    html = response.text
    assert re.findall(r"<script(?![^>]*\ssrc=)", html) == []  # every script is a file
    assert re.findall(r"<[^>]*\son[a-z]+\s*=", html) == []  # no inline event handlers
    assert "http://" not in html and "https://" not in html


def test_the_page_uses_the_guide_s_client_and_its_own_files(client: TestClient) -> None:
    """The scripts and style the page names are served, from /static, with the same policy."""
    html = client.get("/").text
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert set(assets) >= {
        "/static/user-images-service.js",
        "/static/app.js",
        "/static/app.css",
    }
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "class UserImagesService {" in client.get("/static/user-images-service.js").text


def test_the_docs_load_nothing_from_elsewhere(client: TestClient) -> None:
    """/schema is Swagger UI whose scripts and styles this app serves: it works offline."""
    html = client.get("/schema").text
    assert "https://" not in html and "http://" not in html
    for asset in re.findall(r'(?:src|href)="(/docs-assets/[^"]+)"', html):
        assert client.get(asset).status_code == 200, asset
    assert "SwaggerUIBundle" in html


def test_health_answers_without_a_token_or_a_database(client: TestClient) -> None:
    """GET /health is for load balancers: constant JSON, no token needed."""
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: sources}."""
    parsed = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        parsed[name] = sources
    return parsed


def allowed_by_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


def test_the_docs_are_served_with_a_strict_policy(client: TestClient) -> None:
    """/schema allows scripts and styles from this origin and its own inline blocks by their
    hashes, nothing inline besides, nothing from elsewhere; it cannot be framed or sniffed."""
    response = client.get("/schema")
    assert response.status_code == 200
    policy = directives(response.headers["content-security-policy"])
    html = response.text
    scripts = re.findall(r"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", html, re.DOTALL)
    styles = re.findall(r"<style[^>]*>(.*?)</style>", html, re.DOTALL)
    assert "SwaggerUIBundle(" in "".join(scripts)
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'", *map(allowed_by_hash, scripts)]
    assert policy["style-src"] == ["'self'", *map(allowed_by_hash, styles)]
    assert policy["img-src"] == ["'self'", "data:"]  # data: for the icons in Swagger UI's CSS
    assert policy["connect-src"] == ["'self'"]  # the document, and "Try it out" on the API
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == policy["form-action"] == ["'none'"]
    assert len(policy) == 8  # nothing else allowed
    assert response.headers["x-content-type-options"] == "nosniff"
    assert re.findall(r"<[^>]*\son[a-z]+\s*=", html) == []  # no inline event handlers


def test_the_docs_page_loads_everything_it_names_from_this_origin(client: TestClient) -> None:
    """Every URL the page names is a path on this origin that answers: Swagger UI's script,
    style and icon from /docs-assets, and the document it starts on."""
    html = client.get("/schema").text
    urls = re.findall(r'(?:src|href|data-document)="([^"]*)"', html)
    assert {"/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css"} <= set(urls)
    assert "/schema/openapi.json" in urls
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].split(";")[0] in {
            "text/javascript",
            "application/javascript",
            "text/css",
            "image/png",
            "application/vnd.oai.openapi+json",
        }, url


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/schema/", 200),
        ("GET", "/schema/openapi.json", 200),
        ("GET", "/schema/nope", 404),
        ("GET", "/schema/oauth2-redirect.html", 404),
        ("GET", "/schema/a/b", 404),
        ("POST", "/schema", 405),
        ("OPTIONS", "/schema", 204),
    ],
)
def test_every_answer_under_schema_is_strict(
    client: TestClient, method: str, path: str, status: int
) -> None:
    """The document, the misses and the refusals under /schema carry the docs' policy and
    nosniff, and each error is the API's {"error"}."""
    response = client.request(method, path)
    assert response.status_code == status
    policy = directives(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert response.headers["x-content-type-options"] == "nosniff"
    if status >= 400:
        assert list(response.json()) == ["error"]
