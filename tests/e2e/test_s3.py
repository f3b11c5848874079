"""`imagecore serve` on S3 storage: the images live in the bucket, served by the app or directly."""

from __future__ import annotations

from pathlib import Path

import boto3
import httpx

from tests import images
from tests.http.support import stored_keys
from tests.servers import start_server, stop_server
from tests.services import S3

API = "/api/resume/user-images/"


def bucket_keys(s3: S3) -> set[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=s3.bucket)
    return {item["Key"] for item in listed.get("Contents", [])}


def test_upload_serve_and_delete_on_s3(tmp_path: Path, s3: S3) -> None:
    """Uploads land in the bucket, are served by the app, and leave the bucket when deleted."""
    env = {**s3.environ, "IMAGECORE_STORAGE_URL": s3.url("media")}
    process, server = start_server(tmp_path / "data", env=env)
    try:
        auth = {"Authorization": f"Bearer {server.token}"}
        with httpx.Client(base_url=server.base_url, headers=auth) as http:
            files = {
                "profile_image": ("me.jpg", images.jpeg()),
                "cover_image": ("b.png", images.png()),
            }
            body = http.post(API, files=files).json()
            keys = stored_keys(body, "profile_image") | stored_keys(body, "cover_image")
            assert bucket_keys(s3) == {f"media/{key}" for key in keys}
            served = http.get(body["profile_image"])
            assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
            assert images.decode(served.content).format == "JPEG"
            replaced = http.post(API, files={"cover_image": ("c.png", images.png())}).json()
            assert f"media/{body['cover_image'].removeprefix('/media/')}" not in bucket_keys(s3)
            for slot in ("profile_image", "cover_image"):
                assert http.delete(API, params={"type": slot}).status_code == 200
            assert bucket_keys(s3) == set()
            assert http.get(replaced["cover_image"]).status_code == 404
    finally:
        stop_server(process)


def test_media_urls_can_point_straight_at_the_bucket(tmp_path: Path, s3: S3) -> None:
    """With IMAGECORE_MEDIA_URL set to the bucket's public URL, clients fetch uploads from it, and
    the default image, which is never in the bucket, from the app (IMAGECORE_DEFAULTS_URL)."""
    public = f"{s3.endpoint}/{s3.bucket}/media/"
    env = {
        **s3.environ,
        "IMAGECORE_STORAGE_URL": s3.url("media"),
        "IMAGECORE_MEDIA_URL": public,
        "IMAGECORE_DEFAULTS_URL": "/media/",
    }
    process, server = start_server(tmp_path / "data", env=env)
    try:
        auth = {"Authorization": f"Bearer {server.token}"}
        with httpx.Client(base_url=server.base_url, headers=auth) as http:
            default = http.get(API).json()["images"]["profile_image"]
            assert default == "/media/resume/defaults/profile.png"
            assert http.get(default).headers["content-type"] == "image/png"
            url = http.post(API, files={"cover_image": ("b.png", images.png())}).json()[
                "cover_image"
            ]
        assert url.startswith(public)
        # The URL names the bucket's object (a public bucket or a CDN in front of it serves it).
        key = "media/" + url.removeprefix(public)
        stored = boto3.client("s3").get_object(Bucket=s3.bucket, Key=key)["Body"].read()
        assert images.decode(stored).format == "PNG"
    finally:
        stop_server(process)
