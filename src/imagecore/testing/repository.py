"""What every ImageRepository promises."""

from __future__ import annotations

import threading
from collections.abc import Sequence

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
    """Mix into a test class that provides a ``repository`` fixture holding an empty repository.

    The user ids come from the ``user_ids`` and ``alike_user_ids`` fixtures. Their defaults are
    any text, as imagecore's own repositories take; a host whose repository is keyed on its own
    user model overrides them with the ids of users its test database holds.
    """

    @pytest.fixture
    def repository(self) -> ImageRepository:
        raise NotImplementedError("provide an empty repository")

    @pytest.fixture
    def user_ids(self) -> Sequence[str]:
        """Four different user ids."""
        return ("u1", "ü 2", "u3", "nobody")

    @pytest.fixture
    def alike_user_ids(self) -> Sequence[str]:
        """Three different user ids that a careless key would take for one."""
        return ("1", "01", "../1")

    def test_an_unknown_user_has_no_images_at_version_0(
        self, repository: ImageRepository, user_ids: Sequence[str]
    ) -> None:
        """A user never stored reads as empty slots at version 0."""
        assert repository.get(user_ids[3]) == UserImages()

    def test_saved_images_read_back_with_the_next_version(
        self, repository: ImageRepository, user_ids: Sequence[str]
    ) -> None:
        """save returns and stores the images with the version one higher, every field intact."""
        saved = repository.save(user_ids[0], UserImages(profile_image=PROFILE, cover_image=COVER))
        assert saved == UserImages(profile_image=PROFILE, cover_image=COVER, version=1)
        assert repository.get(user_ids[0]) == saved
        emptied = repository.save(user_ids[0], saved.with_image(Slot.PROFILE, None))
        assert repository.get(user_ids[0]) == UserImages(cover_image=COVER, version=2)
        assert emptied.version == 2

    def test_a_description_and_placeholder_read_back_as_written(
        self, repository: ImageRepository, user_ids: Sequence[str]
    ) -> None:
        """An image's description, any text a person may write, and its placeholder come back
        as they were saved."""
        described = attrs.evolve(
            PROFILE,
            alt='Me, "smiling" | at 50% — über, 😀 <b>&amp;',
            placeholder=Placeholder("LEHV6nWB2yk8pyo0adR*.7kCMdnj", "#a06040"),
        )
        repository.save(user_ids[0], UserImages(profile_image=described))
        assert repository.get(user_ids[0]).profile_image == described

    def test_variants_read_back_and_are_references(
        self, repository: ImageRepository, user_ids: Sequence[str]
    ) -> None:
        """An image's variants and still come back as saved, and are listed as references: a
        sweep would remove them otherwise."""
        variant = Variant("resume/images/profile_1_a_w48.webp", "image/webp", 48, 36, 900)
        still = Variant("resume/images/profile_1_a_still.webp", "image/webp", 800, 600, 9000)
        image = attrs.evolve(PROFILE, variants=(variant,), still=still)
        repository.save(user_ids[0], UserImages(profile_image=image))
        assert repository.get(user_ids[0]).profile_image == image
        assert set(repository.references()) == {PROFILE.key, variant.key, still.key}

    def test_users_are_those_who_keep_an_image(
        self, repository: ImageRepository, user_ids: Sequence[str]
    ) -> None:
        """Each user with an image is listed once; a user whose slots were emptied is not."""
        repository.save(user_ids[0], UserImages(profile_image=PROFILE, cover_image=COVER))
        repository.save(user_ids[1], UserImages(cover_image=COVER))
        emptied = repository.save(user_ids[2], UserImages(profile_image=PROFILE))
        repository.save(user_ids[2], emptied.with_image(Slot.PROFILE, None))
        assert sorted(repository.users()) == sorted([user_ids[0], user_ids[1]])

    def test_a_stale_version_is_refused_and_stores_nothing(
        self, repository: ImageRepository, user_ids: Sequence[str]
    ) -> None:
        """Saving on top of an older version raises VersionConflict and keeps the newer state."""
        first = repository.save(user_ids[0], UserImages(profile_image=PROFILE))
        with pytest.raises(VersionConflict):
            repository.save(user_ids[0], UserImages(cover_image=COVER))  # version 0: stale
        assert repository.get(user_ids[0]) == first

    def test_users_do_not_share_rows(
        self, repository: ImageRepository, alike_user_ids: Sequence[str]
    ) -> None:
        """Each user id has its own images and version, however similar the ids."""
        repository.save(alike_user_ids[0], UserImages(profile_image=PROFILE))
        repository.save(alike_user_ids[1], UserImages(cover_image=COVER))
        repository.save(alike_user_ids[2], UserImages())
        assert repository.get(alike_user_ids[0]) == UserImages(profile_image=PROFILE, version=1)
        assert repository.get(alike_user_ids[1]) == UserImages(cover_image=COVER, version=1)
        assert repository.get(alike_user_ids[2]) == UserImages(version=1)

    def test_references_are_every_stored_key(
        self, repository: ImageRepository, user_ids: Sequence[str]
    ) -> None:
        """references() yields each key any user's images point at, and nothing else."""
        assert list(repository.references()) == []
        other = StoredImage("resume/images/profile_2_c.png", "image/png", 1, 1, 1)
        saved = repository.save(user_ids[0], UserImages(profile_image=PROFILE, cover_image=COVER))
        repository.save(user_ids[1], UserImages(profile_image=other))
        repository.save(user_ids[2], UserImages())
        assert sorted(repository.references()) == sorted([PROFILE.key, COVER.key, other.key])
        repository.save(user_ids[0], saved.with_image(Slot.COVER, None))
        assert sorted(repository.references()) == sorted([PROFILE.key, other.key])

    def test_of_racing_writers_exactly_one_wins(
        self, repository: ImageRepository, user_ids: Sequence[str]
    ) -> None:
        """Writers saving on one version at once: one commits, the rest get VersionConflict."""
        base = repository.save(user_ids[0], UserImages())
        outcomes: list[str] = []
        start = threading.Barrier(8)

        def write(n: int) -> None:
            image = StoredImage(f"resume/images/profile_1_{n}.png", "image/png", 1, 1, 1)
            start.wait()
            try:
                repository.save(user_ids[0], base.with_image(Slot.PROFILE, image))
                outcomes.append("won")
            except VersionConflict:
                outcomes.append("lost")

        threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["lost"] * 7 + ["won"]
        assert repository.get(user_ids[0]).version == 2
