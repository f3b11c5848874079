"""The page and the docs are served by the app itself, under strict headers, with no CDN."""

from __future__ import annotations

import re

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
