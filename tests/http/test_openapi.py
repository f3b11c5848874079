"""The OpenAPI document at /schema describes the guide's contract."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import TestClient

PATH = "/api/resume/user-images"


@pytest.fixture
def schema(client: TestClient) -> dict[str, Any]:
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def resolve(schema: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    name = ref["$ref"].rpartition("/")[2]
    return schema["components"]["schemas"][name]  # type: ignore[no-any-return]


def test_the_guide_s_operations_and_the_limits(schema: dict[str, Any]) -> None:
    """The guide's GET, POST and DELETE, PATCH for descriptions, and GET .../limits; media and
    pages are not the API."""
    assert set(schema["paths"]) == {PATH, PATH + "/limits"}
    assert set(schema["paths"][PATH]) == {"get", "post", "patch", "delete"}
    assert set(schema["paths"][PATH + "/limits"]) == {"get"}


def test_the_upload_body_is_multipart_with_both_file_fields(schema: dict[str, Any]) -> None:
    """POST takes multipart/form-data with optional binary profile_image and cover_image, each
    with an optional description, crop and focal point."""
    body = schema["paths"][PATH]["post"]["requestBody"]
    assert body["required"] is True
    form = body["content"]["multipart/form-data"]["schema"]
    assert form["type"] == "object"
    files, descriptions = {"profile_image", "cover_image"}, {"profile_image_alt", "cover_image_alt"}
    crops = {"profile_image_crop", "cover_image_crop"}
    focuses = {"profile_image_focus", "cover_image_focus"}
    assert set(form["properties"]) == files | descriptions | crops | focuses
    for name in files:
        assert {"type": "string", "format": "binary"}.items() <= form["properties"][name].items()
    for name in descriptions:
        assert {"type": "string", "maxLength": 1000}.items() <= form["properties"][name].items()
    for name in crops:
        pattern = re.compile(form["properties"][name]["pattern"])
        assert pattern.match("0,0,800,800") and not pattern.match("0,0,800")


def test_delete_takes_the_type_query_parameter(schema: dict[str, Any]) -> None:
    """DELETE documents ?type= with its two values."""
    (parameter,) = schema["paths"][PATH]["delete"]["parameters"]
    assert parameter["name"] == "type" and parameter["in"] == "query"
    assert parameter["schema"]["enum"] == ["profile_image", "cover_image"]


def test_every_operation_needs_the_bearer_scheme(schema: dict[str, Any]) -> None:
    """The bearer scheme is declared and required by each operation."""
    assert schema["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An access token: `Authorization: Bearer <token>`.",
    }
    for path in schema["paths"].values():
        for operation in path.values():
            assert operation["security"] == [{"bearer": []}]


@pytest.mark.parametrize(
    ("method", "statuses"),
    [
        ("get", {"200", "401", "500", "503"}),
        ("post", {"200", "400", "401", "409", "413", "429", "500", "503"}),
        ("delete", {"200", "400", "401", "404", "409", "429", "500", "503"}),
    ],
)
def test_every_error_response_is_documented_with_the_error_shape(
    schema: dict[str, Any], method: str, statuses: set[str]
) -> None:
    """Each operation lists its errors, each as {"error": string} with an example."""
    responses = schema["paths"][PATH][method]["responses"]
    assert set(responses) == statuses
    for status in statuses - {"200"}:
        content = responses[status]["content"]["application/json"]
        error = resolve(schema, content["schema"])
        assert error["required"] == ["error"]
        assert error["properties"]["error"]["type"] == "string"
        (example,) = content["examples"].values()
        assert set(example["value"]) == {"error"}


def test_every_success_has_an_example(schema: dict[str, Any]) -> None:
    """Each operation's 200 answer shows an example body."""
    for path in schema["paths"].values():
        for operation in path.values():
            content = operation["responses"]["200"]["content"]["application/json"]
            (example,) = content["examples"].values()
            assert example["value"]


def test_success_bodies_have_the_guide_s_fields(schema: dict[str, Any]) -> None:
    """GET gives {images: {...}}; POST a message and URLs; DELETE a message; GET, POST and PATCH
    add details."""
    operations = schema["paths"][PATH]
    ok = {
        m: resolve(
            schema, operations[m]["responses"]["200"]["content"]["application/json"]["schema"]
        )
        for m in operations
    }
    assert set(resolve(schema, ok["get"]["properties"]["images"])["properties"]) == {
        "profile_image",
        "cover_image",
    }
    assert set(ok["get"]["properties"]) == {"images", "details"}
    assert set(ok["post"]["properties"]) == {"message", "profile_image", "cover_image", "details"}
    assert set(ok["patch"]["properties"]) == {"message", "details"}
    assert set(ok["delete"]["properties"]) == {"message"}
