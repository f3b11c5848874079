"""The HTTP adapter on its own: create_app over an ImageSlots of fakes, no composition root.

What the API answers, serves and documents must be what the service it is given holds: its
default image, its limits, its boxes and its codec's formats.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from litestar import Response, get
from litestar.di import NamedDependency, Provide
from litestar.testing import TestClient

from imagecore import Box, EncodedImage, ImageCodec, ImageLimits, ImageSlots, Slot, SlotPolicy
from imagecore.adapters.http import HttpConfig, create_app
from imagecore.adapters.memory_repository import MemoryRateCounter, MemoryRepository
from imagecore.adapters.web.answers import DecodeBudget
from imagecore.adapters.web.rates import RateRules
from imagecore.audit import AuditRecord
from imagecore.errors import Busy, RepositoryError
from imagecore.model import UserImages
from imagecore.policies import DEFAULT_POLICIES
from imagecore.rejections import InvalidImage, UnsupportedImageType
from imagecore.throttle import Limit, Throttle
from tests import images
from tests.fakes import DictStorage
from tests.http.support import API, TOKENS, bearer, guide_keys, uploaded_files

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DEFAULT_URL = "/media/resume/defaults/profile.png"
AUTH = bearer("123")


class TaggingCodec(ImageCodec):
    """Takes bytes starting with ``IMG:`` as an image and "encodes" them by tagging them."""

    max_pixels = 10**9

    def __init__(self, formats: tuple[str, ...] = ("PNG", "GIF")) -> None:
        self.formats = formats

    def encode(self, data: bytes, box: Box, limits: ImageLimits) -> EncodedImage:
        if data.startswith(b"<svg"):
            raise UnsupportedImageType("SVG", self.formats)
        if not data.startswith(b"IMG:"):
            raise InvalidImage("not an image", self.formats)
        return EncodedImage(b"ENCODED:" + data, "png", box.width, box.height)


@pytest.fixture
def fake_storage() -> DictStorage:
    return DictStorage()


@pytest.fixture
def fake_slots(fake_storage: DictStorage) -> ImageSlots:
    """The core service on a dict storage, a memory repository and a codec that tags bytes."""
    return ImageSlots(storage=fake_storage, repository=MemoryRepository(), codec=TaggingCodec())


@pytest.fixture
def http(fake_slots: ImageSlots) -> Iterator[TestClient]:  # type: ignore[type-arg]
    """A test client for create_app over the fakes, with nothing but a token policy set."""
    with TestClient(create_app(fake_slots, HttpConfig(tokens=TOKENS))) as client:
        yield client


def upload(client: TestClient, **files: bytes) -> Any:  # type: ignore[type-arg]
    parts = {field: (f"{field}.bin", data) for field, data in files.items()}
    return client.post(API, headers=AUTH, files=parts)


def test_the_default_image_get_answers_is_served(http: TestClient) -> None:  # type: ignore[type-arg]
    """The profile URL GET answers for a new user is a PNG the app serves, cached for a day."""
    shown = http.get(API, headers=AUTH).json()
    assert guide_keys(shown) == {"images": {"profile_image": DEFAULT_URL, "cover_image": None}}
    response = http.get(shown["images"]["profile_image"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(PNG_SIGNATURE)
    assert images.decode(response.content).format == "PNG"
    assert response.headers["cache-control"] == "public, max-age=86400"


def test_an_upload_is_cached_forever_and_a_default_for_a_day(
    http: TestClient,  # type: ignore[type-arg]
    fake_storage: DictStorage,
) -> None:
    """Cache-Control follows MediaFile.immutable: a year and immutable for an upload."""
    url = upload(http, cover_image=b"IMG:cover").json()["cover_image"]
    served = http.get(url)
    assert served.status_code == 200
    assert served.content == fake_storage.read(url.removeprefix("/media/")) == b"ENCODED:IMG:cover"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert http.get(DEFAULT_URL).headers["cache-control"] == "public, max-age=86400"
    again = http.get(url, headers={"If-None-Match": served.headers["etag"]})
    assert again.status_code == 304


def test_the_guide_s_round_trip(http: TestClient, fake_storage: DictStorage) -> None:  # type: ignore[type-arg]
    """Upload, get, delete, and 404 for a delete with nothing left to delete."""
    profile = upload(http, profile_image=b"IMG:me").json()
    assert profile["message"] == "Profile image uploaded successfully"
    both = upload(http, profile_image=b"IMG:me2", cover_image=b"IMG:sea").json()
    assert both["message"] == "Profile image and cover image uploaded successfully"
    assert guide_keys(http.get(API, headers=AUTH).json()) == {
        "images": {"profile_image": both["profile_image"], "cover_image": both["cover_image"]}
    }
    assert http.get(profile["profile_image"]).status_code == 404  # replaced, and removed
    deleted = http.delete(API + "?type=cover_image", headers=AUTH)
    assert deleted.status_code == 200
    assert guide_keys(deleted.json()) == {"message": "Cover image deleted successfully"}
    deleted = http.delete(API + "?type=profile_image", headers=AUTH)
    assert guide_keys(deleted.json()) == {"message": "Profile image deleted successfully"}
    assert http.get(API, headers=AUTH).json()["images"] == {
        "profile_image": DEFAULT_URL,
        "cover_image": None,
    }
    assert uploaded_files(fake_storage) == set()
    again = http.delete(API + "?type=profile_image", headers=AUTH)
    assert again.status_code == 404
    assert again.json() == {
        "error": "Profile image not found: there is no profile image to delete."
    }


def test_refusals_are_worded_from_the_error_s_data(http: TestClient) -> None:  # type: ignore[type-arg]
    """The codec's refusals name the codec's own formats; a bad type names what was given."""
    not_image = upload(http, profile_image=b"hello")
    assert not_image.status_code == 400
    assert not_image.json() == {"error": "The file is not an image. Accepted types: PNG, GIF."}
    svg = upload(http, cover_image=b"<svg/>")
    assert svg.json() == {"error": "SVG files are not accepted. Accepted types: PNG, GIF."}
    nothing = http.post(API, headers=AUTH, files={"avatar": ("a.png", b"IMG:x")})
    assert nothing.json() == {
        "error": "No image was sent: send a 'profile_image' or 'cover_image' file."
    }
    avatar = http.delete(API + "?type=avatar", headers=AUTH)
    assert avatar.json() == {
        "error": "The image type must be 'profile_image' or 'cover_image' (got 'avatar')."
    }
    missing = http.delete(API, headers=AUTH)
    assert missing.json() == {
        "error": "The image type must be 'profile_image' or 'cover_image' (none was given)."
    }
    assert http.get("/media/resume/images/profile_123_0001.png").json() == {
        "error": "Media file not found."
    }


ODD_LIMITS = ImageLimits(
    max_bytes=3 * 1024 * 1024,
    max_pixels=1_234_567,
    max_declared_pixels=2_345_678,
    max_frames=9,
    max_animation_pixels=7_654_321,
    max_scans=17,
)
ODD_POLICIES = {
    Slot.PROFILE: DEFAULT_POLICIES[Slot.PROFILE],
    Slot.COVER: SlotPolicy(
        folder="resume/covers/",
        prefix="cover",
        box=Box(640, 320, fill=True, variants=(320,), variant_type="image/jpeg"),
    ),
}


@pytest.fixture
def odd_http(fake_storage: DictStorage) -> Iterator[TestClient]:  # type: ignore[type-arg]
    """create_app over a service with limits, a cover box and formats of its own, and a rule
    of five uploads a minute per user."""
    slots = ImageSlots(
        storage=fake_storage,
        repository=MemoryRepository(),
        codec=TaggingCodec(formats=("WebP",)),
        policies=ODD_POLICIES,
        limits=ODD_LIMITS,
    )
    rules = RateRules(
        throttle=Throttle(MemoryRateCounter()),
        per_user={"upload": Limit(5, 60)},
        per_address={"delete": Limit(100, 86400)},
    )
    budget = DecodeBudget(cpu_seconds=4, memory_bytes=123 * 2**20)
    config = HttpConfig(tokens=TOKENS, rate_rules=rules, decode_budget=budget)
    with TestClient(create_app(slots, config)) as client:
        yield client


def test_the_published_limits_are_the_service_s(odd_http: TestClient) -> None:  # type: ignore[type-arg]
    """GET .../limits/ answers the service's limits, boxes and formats, and the rate rules."""
    response = odd_http.get(API + "limits/", headers=AUTH)
    assert response.status_code == 200
    assert guide_keys(response.json()) == {
        "max_upload_bytes": 3 * 1024 * 1024,
        "max_pixels": 1_234_567,
        "max_declared_pixels": 2_345_678,
        "max_frames": 9,
        "max_animation_pixels": 7_654_321,
        "max_scans": 17,
        "formats": ["WebP"],
        "media_types": ["image/avif", "image/gif", "image/jpeg", "image/png", "image/webp"],
        "boxes": {
            "profile_image": {
                "width": 800,
                "height": 800,
                "mode": "fit",
                "variant_widths": [48, 96, 192, 384],
                "variant_type": "image/webp",
            },
            "cover_image": {
                "width": 640,
                "height": 320,
                "mode": "fill",
                "variant_widths": [320],
                "variant_type": "image/jpeg",
            },
        },
        "rate_limits": {
            "upload": {"per_user": {"count": 5, "seconds": 60}, "per_address": None},
            "delete": {"per_user": None, "per_address": {"count": 100, "seconds": 86400}},
            "describe": {"per_user": None, "per_address": None},
        },
        "decode_budget": {"cpu_seconds": 4, "memory_bytes": 123 * 2**20},
    }


def test_the_body_limit_is_the_service_s(odd_http: TestClient) -> None:  # type: ignore[type-arg]
    """A body over slots.limits.max_bytes is 413, saying that limit."""
    response = upload(odd_http, profile_image=b"IMG:" + b"x" * (3 * 1024 * 1024))
    assert response.status_code == 413
    assert response.json() == {
        "error": "The upload is too large: the limit is 3 MB (3,145,728 bytes)."
    }


def test_the_rate_limit_is_worded_with_its_numbers(odd_http: TestClient) -> None:  # type: ignore[type-arg]
    """The sixth upload in a minute is 429, stating the limit and when to try again."""
    statuses = [upload(odd_http, cover_image=b"IMG:c").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    refused = upload(odd_http, cover_image=b"IMG:c")
    retry = int(refused.headers["retry-after"])
    assert 0 < retry <= 60
    # A whole minute is said as one; the window may be at its very start.
    wait = {1: "1 second", 60: "1 minute"}.get(retry, f"{retry} seconds")
    assert refused.json() == {
        "error": f"Too many uploads: the limit is 5 per minute. Try again in {wait}."
    }


def examples(schema: dict[str, Any], method: str, status: str) -> list[Any]:
    content = schema["paths"]["/api/resume/user-images"][method]["responses"][status]["content"]
    return [example["value"] for example in content["application/json"]["examples"].values()]


def test_the_documented_examples_state_the_configured_limits(
    http: TestClient,  # type: ignore[type-arg]
    odd_http: TestClient,  # type: ignore[type-arg]
) -> None:
    """Each app's OpenAPI examples state its own limits and formats, not another's."""
    odd = odd_http.get("/schema/openapi.json").json()
    plain = http.get("/schema/openapi.json").json()
    assert examples(odd, "post", "413") == [
        {"error": "The upload is too large: the limit is 3 MB (3,145,728 bytes)."}
    ]
    assert examples(plain, "post", "413") == [
        {"error": "The upload is too large: the limit is 24 MB (25,165,824 bytes)."}
    ]
    assert examples(odd, "post", "400") == [
        {"error": "The file is not an image. Accepted types: WebP."}
    ]
    (too_many,) = examples(odd, "post", "429")
    assert too_many["error"].startswith("Too many uploads: the limit is 5 per minute.")
    (deletes,) = examples(odd, "delete", "429")
    assert deletes["error"].startswith("Too many deletes: the limit is 100 per day.")
    assert "429" not in plain["paths"]["/api/resume/user-images"]["post"]["responses"]
    limits = odd["paths"]["/api/resume/user-images/limits"]["get"]["responses"]["200"]
    (documented,) = limits["content"]["application/json"]["examples"].values()
    # (Litestar leaves the nulls out of an example.)
    assert documented["value"] == without_nulls(odd_http.get(API + "limits/", headers=AUTH).json())


def without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    return value


CDN = "https://cdn.example.com/media/"


def test_defaults_are_served_by_the_app_while_uploads_are_at_a_cdn(
    fake_slots: ImageSlots,
) -> None:
    """With media_url at a CDN and defaults_url at /media/, GET answers the cover at the CDN and
    the default at this app, which serves it: the CDN's storage never holds the defaults."""
    config = HttpConfig(tokens=TOKENS, media_url=CDN, defaults_url="/media/")
    with TestClient(create_app(fake_slots, config)) as client:
        cover = upload(client, cover_image=b"IMG:sea").json()["cover_image"]
        assert cover.startswith(CDN + "resume/covers/cover_123_")
        shown = client.get(API, headers=AUTH).json()
        assert guide_keys(shown) == {"images": {"profile_image": DEFAULT_URL, "cover_image": cover}}
        response = client.get(shown["images"]["profile_image"])
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/png"
        assert response.content.startswith(PNG_SIGNATURE)


def test_without_defaults_url_the_defaults_are_under_media_url(fake_slots: ImageSlots) -> None:
    """With media_url at a CDN and no defaults_url, the default's URL is at the CDN too."""
    with TestClient(create_app(fake_slots, HttpConfig(tokens=TOKENS, media_url=CDN))) as client:
        cover = upload(client, cover_image=b"IMG:sea").json()["cover_image"]
        assert cover.startswith(CDN + "resume/covers/cover_123_")
        assert guide_keys(client.get(API, headers=AUTH).json()) == {
            "images": {"profile_image": CDN + "resume/defaults/profile.png", "cover_image": cover}
        }


@pytest.mark.parametrize(
    ("defaults_url", "default"),
    [
        (None, CDN + "resume/defaults/profile.png"),
        ("/media/", DEFAULT_URL),
        (
            "https://static.example.net/d/",
            "https://static.example.net/d/resume/defaults/profile.png",
        ),
    ],
)
def test_the_documented_urls_follow_the_same_rule(
    fake_slots: ImageSlots, defaults_url: str | None, default: str
) -> None:
    """The examples show an upload's URL under media_url and a default's under defaults_url,
    and the page may show images from both origins."""
    config = HttpConfig(tokens=TOKENS, media_url=CDN, defaults_url=defaults_url)
    with TestClient(create_app(fake_slots, config)) as client:
        schema = client.get("/schema/openapi.json").json()
        policy = client.get("/").headers["content-security-policy"]
    (current,) = examples(schema, "get", "200")
    assert current["images"]["profile_image"] == default
    assert current["images"]["cover_image"].startswith(CDN + "resume/covers/cover_123_")
    (uploaded,) = examples(schema, "post", "200")
    assert uploaded["profile_image"].startswith(CDN + "resume/images/profile_123_")
    (images_from,) = re.findall(r"img-src ([^;]*)", policy)
    assert "https://cdn.example.com" in images_from.split()
    assert ("https://static.example.net" in images_from.split()) == default.startswith(
        "https://static."
    )


class RecordingReader:
    """An async reader over a repository, noting each call."""

    def __init__(self, repository: MemoryRepository) -> None:
        self.repository = repository
        self.calls: list[str] = []

    async def open(self) -> None:
        self.calls.append("open")

    async def get(self, user_id: str) -> UserImages:
        self.calls.append(f"get {user_id}")
        return MemoryRepository.get(self.repository, user_id)

    async def close(self) -> None:
        self.calls.append("close")


class ThreadlessRepository(MemoryRepository):
    """A memory repository whose own reads fail once the app is up: only the reader may read."""

    serving = False

    def get(self, user_id: str) -> UserImages:
        if self.serving:
            raise AssertionError("read through the repository, on a worker thread")
        return super().get(user_id)


def test_an_async_reader_answers_gets_on_the_event_loop(fake_storage: DictStorage) -> None:
    """Opened as the app starts, read on the loop (the repository's own read, which a worker
    thread would make, is not used), closed as it stops."""
    repository = ThreadlessRepository()
    slots = ImageSlots(storage=fake_storage, repository=repository, codec=TaggingCodec())
    stored = slots.upload("123", {Slot.PROFILE: b"IMG:me"}).profile_image
    assert stored is not None
    reader = RecordingReader(repository)
    repository.serving = True
    with TestClient(create_app(slots, HttpConfig(tokens=TOKENS, reader=reader))) as client:
        shown = client.get(API, headers=AUTH).json()
    assert shown["images"]["profile_image"] == "/media/" + stored.key
    assert reader.calls == ["open", "get 123", "close"]


class StarvedCodec(TaggingCodec):
    """A codec whose decodes the busy machine starves: each ran, and was stopped for want of
    CPU time."""

    def encode(self, data: bytes, box: Box, limits: ImageLimits) -> EncodedImage:
        raise Busy(5, short_of="cpu")


@pytest.mark.usefixtures("one_rate_window")
def test_a_starved_decode_counts_against_its_sender_s_quota(fake_storage: DictStorage) -> None:
    """Two uploads an hour: a decode stopped for want of CPU time is answered 503, says why, and
    counts once (it ran), where it was given back in full. (Uploads refused before decoding are
    given back: tests/e2e/test_availability.py.)"""
    slots = ImageSlots(storage=fake_storage, repository=MemoryRepository(), codec=StarvedCodec())
    rules = RateRules(throttle=Throttle(MemoryRateCounter()), per_user={"upload": Limit(2, 3600)})
    with TestClient(create_app(slots, HttpConfig(tokens=TOKENS, rate_rules=rules))) as client:
        first, second, third = (upload(client, profile_image=b"IMG:1") for _ in range(3))
    assert [first.status_code, second.status_code] == [503, 503]
    assert (
        first.json()["error"]
        == "The server was too busy to finish decoding the image. Try again in 5 seconds."
    )
    assert first.headers["Retry-After"] == "5"
    assert third.status_code == 429


class FlakyRepository(MemoryRepository):
    """A repository whose saves fail ``failures`` times (a database outage), then work."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 0

    def save(
        self, user_id: str, images: UserImages, records: Sequence[AuditRecord] = ()
    ) -> UserImages:
        if self.failures:
            self.failures -= 1
            raise RepositoryError("the database does not answer")
        return super().save(user_id, images, records)


@pytest.mark.usefixtures("one_rate_window")
def test_every_503_gives_back_the_rate_count(fake_storage: DictStorage) -> None:
    """One delete an hour: two that met a database outage (503) count for nothing, the third is
    done, the fourth is over the limit. (Only busy decode slots gave the count back.)"""
    repository = FlakyRepository()
    slots = ImageSlots(storage=fake_storage, repository=repository, codec=TaggingCodec())
    rules = RateRules(throttle=Throttle(MemoryRateCounter()), per_user={"delete": Limit(1, 3600)})
    with TestClient(create_app(slots, HttpConfig(tokens=TOKENS, rate_rules=rules))) as client:
        assert upload(client, profile_image=b"IMG:1").status_code == 200
        statuses = []
        for failures in (1, 1, 0, 0):
            repository.failures = failures
            statuses.append(client.delete(API + "?type=profile_image", headers=AUTH).status_code)
    assert statuses == [503, 503, 200, 429]


def test_a_host_s_options_join_the_app_s(fake_slots: ImageSlots) -> None:
    """Dependencies, exception handlers, state and hooks a host passes are added to the app's
    own (they were refused: Litestar got each twice)."""

    class HostError(Exception):
        pass

    def host_error(request: Any, error: Exception) -> Any:
        return Response({"host": True}, status_code=418)

    @get("/host", sync_to_thread=False)
    def host_route(greeting: NamedDependency[str]) -> str:
        raise HostError(greeting)

    app = create_app(
        fake_slots,
        HttpConfig(tokens=TOKENS),
        route_handlers=[host_route],
        dependencies={"greeting": Provide(lambda: "hi", sync_to_thread=False)},
        exception_handlers={HostError: host_error},
        state={"host": 1},
    )
    with TestClient(app) as client:
        assert client.get("/host").status_code == 418
        assert client.get(API, headers=AUTH).status_code == 200
    assert app.state["host"] == 1 and app.state["rate_rules"] is None
