"""What every ImageRepository promises."""

from __future__ import annotations

import threading

import attrs
import pytest

from imagecore import (
    ImageRepository,
    Placeholder,
    Slot,
    StoredImage,
    UserImages,
    VersionConflict,
)
from imagecore.model import Variant

PROFILE = StoredImage("resume/images/profile_1_a.jpg", "image/jpeg", 800, 600, 12345)
COVER = StoredImage("resume/covers/cover_1_b.webp", "image/webp", 2400, 1200, 54321)


class RepositoryContract:
    """Mix into a test class that provides a ``repository`` fixture holding an empty repository."""

    @pytest.fixture
    def repository(self) -> ImageRepository:
        raise NotImplementedError("provide an empty repository")

    def test_an_unknown_user_has_no_images_at_version_0(self, repository: ImageRepository) -> None:
        """A user never stored reads as empty slots at version 0."""
        assert repository.get("nobody") == UserImages()

    def test_saved_images_read_back_with_the_next_version(
        self, repository: ImageRepository
    ) -> None:
        """save returns and stores the images with the version one higher, every field intact."""
        saved = repository.save("u1", UserImages(profile_image=PROFILE, cover_image=COVER))
        assert saved == UserImages(profile_image=PROFILE, cover_image=COVER, version=1)
        assert repository.get("u1") == saved
        emptied = repository.save("u1", saved.with_image(Slot.PROFILE, None))
        assert repository.get("u1") == UserImages(cover_image=COVER, version=2)
        assert emptied.version == 2

    def test_a_description_and_placeholder_read_back_as_written(
        self, repository: ImageRepository
    ) -> None:
        """An image's description, any text a person may write, and its placeholder come back
        as they were saved."""
        described = attrs.evolve(
            PROFILE,
            alt='Me, "smiling" | at 50% — über, 😀 <b>&amp;',
            placeholder=Placeholder("LEHV6nWB2yk8pyo0adR*.7kCMdnj", "#a06040"),
        )
        repository.save("u1", UserImages(profile_image=described))
        assert repository.get("u1").profile_image == described

    def test_variants_read_back_and_are_references(self, repository: ImageRepository) -> None:
        """An image's variants and still come back as saved, and are listed as references: a
        sweep would remove them otherwise."""
        variant = Variant("resume/images/profile_1_a_w48.webp", "image/webp", 48, 36, 900)
        still = Variant("resume/images/profile_1_a_still.webp", "image/webp", 800, 600, 9000)
        image = attrs.evolve(PROFILE, variants=(variant,), still=still)
        repository.save("u1", UserImages(profile_image=image))
        assert repository.get("u1").profile_image == image
        assert set(repository.references()) == {PROFILE.key, variant.key, still.key}

    def test_users_are_those_who_keep_an_image(self, repository: ImageRepository) -> None:
        """Each user with an image is listed once; a user whose slots were emptied is not."""
        repository.save("u1", UserImages(profile_image=PROFILE, cover_image=COVER))
        repository.save("ü 2", UserImages(cover_image=COVER))
        emptied = repository.save("u3", UserImages(profile_image=PROFILE))
        repository.save("u3", emptied.with_image(Slot.PROFILE, None))
        assert sorted(repository.users()) == sorted(["u1", "ü 2"])

    def test_a_stale_version_is_refused_and_stores_nothing(
        self, repository: ImageRepository
    ) -> None:
        """Saving on top of an older version raises VersionConflict and keeps the newer state."""
        first = repository.save("u1", UserImages(profile_image=PROFILE))
        with pytest.raises(VersionConflict):
            repository.save("u1", UserImages(cover_image=COVER))  # version 0: stale
        assert repository.get("u1") == first

    def test_users_do_not_share_rows(self, repository: ImageRepository) -> None:
        """Each user id has its own images and version, however similar the ids."""
        repository.save("1", UserImages(profile_image=PROFILE))
        repository.save("01", UserImages(cover_image=COVER))
        repository.save("../1", UserImages())
        assert repository.get("1") == UserImages(profile_image=PROFILE, version=1)
        assert repository.get("01") == UserImages(cover_image=COVER, version=1)
        assert repository.get("../1") == UserImages(version=1)

    def test_references_are_every_stored_key(self, repository: ImageRepository) -> None:
        """references() yields each key any user's images point at, and nothing else."""
        assert list(repository.references()) == []
        other = StoredImage("resume/images/profile_2_c.png", "image/png", 1, 1, 1)
        saved = repository.save("u1", UserImages(profile_image=PROFILE, cover_image=COVER))
        repository.save("u2", UserImages(profile_image=other))
        repository.save("u3", UserImages())
        assert sorted(repository.references()) == sorted([PROFILE.key, COVER.key, other.key])
        repository.save("u1", saved.with_image(Slot.COVER, None))
        assert sorted(repository.references()) == sorted([PROFILE.key, other.key])

    def test_of_racing_writers_exactly_one_wins(self, repository: ImageRepository) -> None:
        """Writers saving on one version at once: one commits, the rest get VersionConflict."""
        base = repository.save("u1", UserImages())
        outcomes: list[str] = []
        start = threading.Barrier(8)

        def write(n: int) -> None:
            image = StoredImage(f"resume/images/profile_1_{n}.png", "image/png", 1, 1, 1)
            start.wait()
            try:
                repository.save("u1", base.with_image(Slot.PROFILE, image))
                outcomes.append("won")
            except VersionConflict:
                outcomes.append("lost")

        threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["lost"] * 7 + ["won"]
        assert repository.get("u1").version == 2
