"""Default avatars of one's own: the same every time, different between users, readable, and
telling nothing of the user id."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest

from imagecore import DefaultImage, ImageSlots, MediaNotFound, Owner, Slot, UserImages
from imagecore.adapters.memory_repository import MemoryRepository
from imagecore.avatars import (
    FOREGROUND,
    GENERATED_FOLDER,
    PALETTE,
    Avatar,
    AvatarFile,
    AvatarPolicy,
    AvatarStyle,
    contrast,
    initials_of,
)
from tests.fakes import DictStorage, FakeCodec

INITIALS = AvatarPolicy(AvatarStyle.INITIALS, b"a secret of this deployment")
IDENTICON = AvatarPolicy(AvatarStyle.IDENTICON, b"a secret of this deployment")


@pytest.mark.parametrize("colour", PALETTE)
def test_every_palette_colour_meets_wcag_aa_with_its_white_text(colour: str) -> None:
    assert contrast(colour, FOREGROUND) >= 4.5


def test_contrast_is_wcag_s() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_the_same_user_always_gets_the_same_avatar() -> None:
    for policy in (INITIALS, IDENTICON):
        assert policy.avatar("42", "Ada Lovelace") == policy.avatar("42", "Ada Lovelace")
        again = AvatarPolicy(policy.style, b"a secret of this deployment")
        assert again.avatar("42", "Ada Lovelace").svg() == policy.avatar("42", "Ada Lovelace").svg()


def test_users_get_different_avatars() -> None:
    """A hundred users, a hundred identicons; and as many colours as the palette has, over
    enough users."""
    avatars = [IDENTICON.avatar(str(n)) for n in range(100)]
    assert len({a.key for a in avatars}) == 100
    assert {a.colour for a in avatars} == set(range(len(PALETTE)))


def test_another_deployment_s_secret_gives_other_avatars() -> None:
    other = AvatarPolicy(AvatarStyle.IDENTICON, b"another secret")
    assert other.avatar("42") != IDENTICON.avatar("42")


def test_an_identicon_tells_nothing_of_the_id() -> None:
    user = "user-1234567"
    key = IDENTICON.avatar(user).key
    assert user not in key and user.encode().hex() not in key
    assert user.encode() not in IDENTICON.avatar(user).svg()


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("Ada Lovelace", "AL"),
        ("ada", "A"),
        ("  Grace   Brewster Murray  Hopper ", "GH"),
        ("Zoë Ødegaard", "ZØ"),
        ("李小龍", "李"),
        ("ß", "ß"),
        ("<script>alert(1)</script>", "S"),
        ("42 Wallaby Way", "WW"),
        ("😀 🎉", ""),
        ("", ""),
    ],
)
def test_initials_are_letters_only(name: str, initials: str) -> None:
    assert initials_of(name) == initials


def test_initials_fall_back_to_an_identicon_without_a_name_or_letters() -> None:
    assert INITIALS.avatar("42", "Ada Lovelace").initials == "AL"
    assert INITIALS.avatar("42", None).initials == ""
    assert INITIALS.avatar("42", "123").initials == ""
    assert INITIALS.avatar("42").pattern


def test_keys_round_trip_and_nothing_else_is_an_avatar() -> None:
    for avatar in (INITIALS.avatar("7", "Ada Lovelace"), IDENTICON.avatar("7")):
        assert AvatarFile.from_key(avatar.key) == AvatarFile(avatar)
        webp = AvatarFile(avatar, 48, "0123abcd")
        assert AvatarFile.from_key(webp.key) == webp
        assert avatar.key.startswith(GENERATED_FOLDER)
        assert webp.key == avatar.key.removesuffix(".svg") + "_w48_0123abcd.webp"
    for key in (
        GENERATED_FOLDER + "initials-03-61.svg",  # "a": not a capital
        GENERATED_FOLDER + "initials-03-3c.svg",  # "<"
        GENERATED_FOLDER + "initials-99-41.svg",  # no such colour
        GENERATED_FOLDER + "identicon-03-ffff.svg",  # 16 bits
        GENERATED_FOLDER + "identicon-03-00ab.SVG",
        GENERATED_FOLDER + "identicon-3-00ab.svg",
        GENERATED_FOLDER + "../identicon-03-00ab.svg",
        "resume/images/identicon-03-00ab.svg",
        GENERATED_FOLDER + "identicon-03-00ab_w048_0123abcd.webp",  # one width, one key
        GENERATED_FOLDER + "identicon-03-00ab_w0_0123abcd.webp",
        GENERATED_FOLDER + "identicon-03-00ab_w48.webp",  # no edition
        GENERATED_FOLDER + "identicon-03-00ab_w48_0123ABCD.webp",
        GENERATED_FOLDER + "identicon-03-00ab_w48_0123abcd.png",
        # One picture, one key: letters another spelling of which is NFC (the Kelvin sign
        # for K, the ohm sign for Omega, the angstrom sign for A with a ring).
        GENERATED_FOLDER + "initials-03-e284aa.svg",
        GENERATED_FOLDER + "initials-03-e284a6.svg",
        GENERATED_FOLDER + "initials-03-e284ab.svg",
    ):
        assert AvatarFile.from_key(key) is None, key
    assert AvatarFile.from_key(GENERATED_FOLDER + "initials-03-4b.svg") is not None  # K


def test_the_pictures_are_well_formed_svg() -> None:
    for avatar in (INITIALS.avatar("7", "Ada Lovelace"), IDENTICON.avatar("7")):
        root = ElementTree.fromstring(avatar.svg())
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert root.get("width") == root.get("height") == "256"
    texts = ElementTree.fromstring(INITIALS.avatar("7", "Ada Lovelace").svg()).itertext()
    assert "".join(texts) == "AL"


def test_an_identicon_is_symmetric_and_never_empty() -> None:
    for n in range(200):
        cells = set(IDENTICON.avatar(str(n)).cells())
        assert cells
        assert cells == {(row, 4 - column) for row, column in cells}


def test_an_empty_profile_slot_shows_the_owner_s_avatar_and_the_cover_nothing() -> None:
    slots = ImageSlots(DictStorage(), MemoryRepository(), FakeCodec(), avatars=INITIALS)
    owner = Owner("42", "Ada Lovelace")
    shown = slots.shown(UserImages(), owner)
    avatar = INITIALS.avatar("42", "Ada Lovelace")
    # Without a painter, as SVG alone.
    assert shown == {Slot.PROFILE: DefaultImage(avatar.key, avatar.image()), Slot.COVER: None}
    assert avatar.image().variants == ()
    served = slots.media(avatar.key)
    assert (served.media_type, served.immutable, served.read()) == (
        "image/svg+xml",
        True,
        avatar.svg(),
    )
    # Without an owner (a host that says nobody), the shipped picture, as before.
    assert slots.shown(UserImages())[Slot.PROFILE] == DefaultImage(
        slots.policies[Slot.PROFILE].fallback or ""
    )
    placeholder = avatar.image().placeholder
    assert placeholder is not None and placeholder.color == avatar.background
    assert placeholder.blurhash.startswith("00") and len(placeholder.blurhash) == 6


class LatinPainter:
    """Draws identicons and Latin initials, as bytes that name what was asked for."""

    edition = "0123abcd"

    def can_paint(self, avatar: Avatar) -> bool:
        return all(c.isascii() for c in avatar.initials)

    def paint(self, avatar: Avatar, width: int) -> bytes:
        return f"{avatar.key} at {width}".encode()


def test_a_painter_s_avatars_come_at_the_profile_s_variant_widths_as_webp() -> None:
    """Variants narrower than the SVG's 256, as an upload's are narrower than the upload;
    served from the painter, and nothing at another width or of an avatar it cannot draw."""
    slots = ImageSlots(
        DictStorage(), MemoryRepository(), FakeCodec(), avatars=INITIALS, painter=LatinPainter()
    )
    avatar = INITIALS.avatar("42", "Ada Lovelace")
    shown = slots.shown(UserImages(), Owner("42", "Ada Lovelace"))[Slot.PROFILE]
    assert isinstance(shown, DefaultImage) and shown.image is not None
    variants = shown.image.variants
    assert [(v.key, v.media_type, v.width, v.height) for v in variants] == [
        (AvatarFile(avatar, width, "0123abcd").key, "image/webp", width, width)
        for width in (48, 96, 192)
    ]
    for variant in variants:
        served = slots.media(variant.key)
        assert (served.media_type, served.immutable) == ("image/webp", True)
        assert served.read() == f"{avatar.key} at {variant.width}".encode()
        assert variant.size == len(served.read())
    for width in (384, 64, 256):
        with pytest.raises(MediaNotFound):
            slots.media(AvatarFile(avatar, width, "0123abcd").key)
    # Another painter's edition (other fonts, other libraries): not what this one draws.
    with pytest.raises(MediaNotFound):
        slots.media(AvatarFile(avatar, 48, "ffffffff").key)

    chinese = INITIALS.avatar("42", "李小龍")
    shown = slots.shown(UserImages(), Owner("42", "李小龍"))[Slot.PROFILE]
    assert isinstance(shown, DefaultImage) and shown.image == chinese.image()
    with pytest.raises(MediaNotFound):
        slots.media(AvatarFile(chinese, 48, "0123abcd").key)
    assert slots.media(chinese.key).read() == chinese.svg()
