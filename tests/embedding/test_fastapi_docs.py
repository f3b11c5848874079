"""The guide's API in a FastAPI app's /docs: each operation with its summary, its request body
and its answers, and nothing of the routes that only refuse."""

from __future__ import annotations

from pathlib import Path

from tests.embedding import hosts


def test_the_operations_are_documented_in_fastapi_s_openapi(tmp_path: Path) -> None:
    document = hosts.fastapi_host(tmp_path).openapi()
    paths = document["paths"]
    assert set(paths) == {"/api/resume/user-images/", "/api/resume/user-images/limits/"}
    images = paths["/api/resume/user-images/"]
    assert set(images) == {"get", "post", "patch", "delete"}
    assert images["get"]["summary"] == "The current profile and cover images"
    upload = images["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert upload["properties"]["profile_image"] == {"type": "string", "format": "binary"}
    assert "cover_image_crop" in upload["properties"]
    assert {"200", "400", "401", "413", "429", "503"} <= set(images["post"]["responses"])
    assert images["post"]["responses"]["413"]["content"]["application/json"]["schema"] == {
        "type": "object",
        "properties": {"error": {"type": "string"}},
        "required": ["error"],
    }
    [delete_type] = images["delete"]["parameters"]
    assert delete_type["name"] == "type" and delete_type["required"] is True
    assert delete_type["schema"]["enum"] == ["profile_image", "cover_image"]
    assert "get" in paths["/api/resume/user-images/limits/"]
