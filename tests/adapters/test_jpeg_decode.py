"""A JPEG is decoded once, by libjpeg-turbo at its reduced scale, and checked as it decodes:
the same pixels Pillow's draft decode gives, the same refusal of damaged data. Before it, the
header is read as libjpeg reads it; a colour sampling TurboJPEG cannot name goes to Pillow,
checked first."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

import attrs
import pytest
import simplejpeg
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile

from imagecore import Box, Crop, ImageLimits
from imagecore.adapters.pillow_codec import PillowCodec, encoders, jpeg
from imagecore.adapters.pillow_codec.formats import mended
from imagecore.adapters.pillow_codec.jpeg import jpeg_wording
from imagecore.adapters.pillow_codec.jpeg_segments import ICC_SIGNATURE
from imagecore.rejections import InvalidImage, UnsupportedImageType
from tests import images
from tests.corpus import (
    CHROMA_2X1_1X1,
    CHROMA_FINER,
    LUMA_1X3,
    adobe_one_byte_short,
    blocky,
    cut,
    icc_around_frame,
    icc_part,
    jpeg_segment,
    jpeg_with_junk,
    picture,
    sampled_jpeg,
    srgb_profile,
)

PHOTO_BOX = Box(800, 800)
RED = (220, 20, 20)


def grain(mode: str, size: tuple[int, int]) -> bytes:
    noise = Image.effect_noise(size, 50)
    picture = noise if mode == "L" else Image.merge("RGB", (noise, noise.rotate(90), noise))
    return images.encode(picture, "JPEG", quality=90)


@pytest.mark.parametrize("scale", [1, 2, 4, 8])
@pytest.mark.parametrize("size", [(640, 480), (333, 251)])
@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_the_one_decode_gives_the_pixels_of_pillows_draft(
    mode: str, size: tuple[int, int], scale: int
) -> None:
    """Same size and same pixels as Pillow's own decode at that scale, odd sizes included."""
    data = grain(mode, size)
    pillow = Image.open(io.BytesIO(data))
    pillow.draft(mode, (size[0] // scale, size[1] // scale))
    pillow.load()
    ours = jpeg.decode(data, mode, size, scale)
    assert ours is not None
    assert (ours.mode, ours.size) == (mode, pillow.size)
    assert ours.tobytes() == pillow.tobytes()


def test_a_jpeg_is_decoded_once_and_never_by_pillow(monkeypatch: pytest.MonkeyPatch) -> None:
    decodes: list[tuple[int, int]] = []
    real = simplejpeg.decode_jpeg

    def counted(data: bytes, *args: object, **options: int) -> object:
        decodes.append((options["min_width"], options["min_height"]))
        return real(data, *args, **options)

    loads: list[str | None] = []
    pillow_load = ImageFile.ImageFile.load

    def counted_load(image: ImageFile.ImageFile) -> object:
        loads.append(image.format)
        return pillow_load(image)

    monkeypatch.setattr(simplejpeg, "decode_jpeg", counted)
    monkeypatch.setattr(ImageFile.ImageFile, "load", counted_load)
    stored = PillowCodec().encode(grain("RGB", (3200, 2400)), PHOTO_BOX, ImageLimits())
    assert decodes == [(800, 600)]  # once, at a quarter: the box needs 800 x 600
    assert "JPEG" not in loads
    assert (stored.width, stored.height) == (800, 600)


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch) -> list[Image.Image]:
    """Each picture the codec hands its encoder: what it stores, before the lossy encode."""
    handed: list[Image.Image] = []
    real = encoders.encode_still

    def kept(image: Image.Image, output: encoders.Format) -> bytes:
        handed.append(image.copy())
        return real(image, output)

    monkeypatch.setattr(encoders, "encode_still", kept)
    return handed


def whole() -> bytes:
    return images.encode(picture(), "JPEG", quality=95)


PASSED_OVER: dict[str, Callable[[], bytes]] = {
    "junk": lambda: jpeg_with_junk(b"hello"),
    "a stuffed zero": lambda: jpeg_with_junk(b"\xff\x00\x00\x01"),
    "junk, then fill": lambda: jpeg_with_junk(b"\x00\x01\xff\xff"),
    "junk before the start of scan": lambda: jpeg_with_junk(b"hello", before=0xDA),
}


@pytest.mark.parametrize("make", PASSED_OVER.values(), ids=PASSED_OVER)
def test_bytes_libjpeg_passes_over_between_header_segments_are_dropped(
    make: Callable[[], bytes], stored: list[Image.Image]
) -> None:
    """The mend gives back the very file the junk was put in, and the codec stores, pixel for
    pixel, what Pillow decodes from the file with the junk."""
    data = make()
    assert mended(data) == whole()
    PillowCodec().encode(data, PHOTO_BOX, ImageLimits())
    assert stored[0].tobytes() == images.decode(data).tobytes()


@pytest.mark.parametrize(
    "make",
    [
        adobe_one_byte_short,
        lambda: icc_around_frame(icc_part(1, 1, srgb_profile()), icc_part(1, 1, b"profile")),
    ],
    ids=["Adobe segment one byte short", "ICC profile repeated after the frame header"],
)
def test_pillows_test_files_of_header_faults_are_stored_as_pillow_decodes_them(
    make: Callable[[], bytes], stored: list[Image.Image]
) -> None:
    """Twins of Pillow's truncated_app14.jpg and icc-after-SOF.jpg: stored pixel for pixel as
    Pillow (and Chromium) decode them."""
    data = make()
    assert mended(data) != data
    PillowCodec().encode(data, PHOTO_BOX, ImageLimits())
    assert stored[0].tobytes() == images.decode(data).convert("RGB").tobytes()


def test_fill_before_a_marker_is_no_fault() -> None:
    """0xFF bytes before a marker are allowed: nothing to mend, and the file is stored."""
    data = jpeg_with_junk(b"\xff\xff\xff")
    assert mended(data) is data
    PillowCodec().encode(data, PHOTO_BOX, ImageLimits())


def test_bytes_skipped_after_the_first_scan_are_damage() -> None:
    """Junk after a scan's data (more than libjpeg-turbo reads ahead) means that data went
    wrong: left as it is, and refused, though Pillow decodes past it."""
    progressive = images.encode(
        Image.effect_noise((120, 80), 50).convert("RGB"), "JPEG", progressive=True
    )
    second_scan = progressive.index(b"\xff\xc4", progressive.index(b"\xff\xda"))
    for data in (
        jpeg_with_junk(b"junk" * 5, grain("RGB", (120, 80)), before=0xD9),
        progressive[:second_scan] + b"junk" * 5 + progressive[second_scan:],
    ):
        images.decode(data)  # Pillow's decoder takes it
        assert mended(data) is data
        with pytest.raises(InvalidImage, match="extraneous bytes") as refused:
            PillowCodec().encode(data, PHOTO_BOX, ImageLimits())
        assert refused.value.reason == "damaged"


def test_the_mend_leaves_every_cut_of_a_file_with_junk_as_it_is() -> None:
    """Every prefix of a file with junk in its header: the walk does not reach its end, so the
    very same bytes come back, for the strict decode to refuse."""
    data = jpeg_with_junk(b"hello", images.encode(blocky((64, 48)), "JPEG"))
    assert mended(data) != data
    for end in range(len(data)):
        prefix = data[:end]
        assert mended(prefix) is prefix


#: Pieces a hostile JPEG is made of: segments whole, short and too long, junk, fill, stuffed
#: zeros, ICC parts of every numbering, scan data, and the markers that end or restart things.
PIECES = st.one_of(
    st.builds(
        jpeg_segment,
        st.sampled_from([0xE0, 0xE1, 0xE2, 0xEE, 0xFE, 0xDB, 0xC4, 0xC0, 0xDD, 0xDA]),
        st.binary(max_size=20),
    ),
    st.builds(
        icc_part,
        st.integers(0, 3),
        st.integers(0, 3),
        st.binary(max_size=4),
    ),
    st.sampled_from(
        [b"\xff", b"\xff\xff", b"\xff\x00", b"\xff\xd9", b"\xff\xd8", b"\xff\xd0", b"\xff\x01"]
    ),
    st.sampled_from([b"\xff\xe1\x00", b"\xff\xe1\x00\x01", b"\xff\xe1\xff\xff"]),
    st.binary(max_size=12),
)


@settings(max_examples=500, derandomize=True, deadline=None)
@given(st.lists(PIECES, max_size=12))
def test_the_mend_never_raises_and_only_drops(pieces: list[bytes]) -> None:
    """Whatever follows the start of a JPEG, the mend answers without raising: the bytes
    themselves, or fewer of them, in their order."""
    data = b"\xff\xd8" + b"".join(pieces)
    result = mended(data)
    assert result is data or len(result) < len(data)
    rest = iter(data)
    assert all(byte in rest for byte in result)  # a subsequence


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8" + b"\xff\xfe\x00\x02" * 300_000 + b"\xff\xda\x00\x02\xff\xd9",
        b"\xff\xd8hello" + b"\xff" * 3_000_000 + b"\x00" + b"\xff\xd9",
        b"\xff\xd8\xff\xdb\x00\x02hello\xff\xda\x00\x02"
        + b"\xff\x00" * 2_000_000
        + b"\xff\xc4\x00\x02" * 300_000
        + b"\xff\xd9",
    ],
    ids=["300,000 segments", "megabytes of fill", "megabytes of stuffing and segments"],
)
def test_the_mend_gives_up_within_bounded_work(data: bytes) -> None:
    """Too many segments, or megabytes of fill and stuffing: the walk finds each marker with one
    search and stops at its limit, leaving the file as it is (fail closed) in well under a
    second of processor time."""
    started = time.process_time()
    assert mended(data) is data
    assert time.process_time() - started < 1.0


ICC = images.swapped_primaries_icc


def swapped_red() -> tuple[int, ...]:
    """The picture's red, tagged with a profile that swaps red and green, as the codec stores it."""
    data = icc_around_frame(icc_part(1, 1, ICC()), b"")
    return red_half(PillowCodec().encode(data, PHOTO_BOX, ImageLimits()).data)


def red_half(data: bytes) -> tuple[int, ...]:
    """The colour in the middle of the picture's red half."""
    colour = images.decode(data).convert("RGB").getpixel((10, 10))
    assert isinstance(colour, tuple)
    return colour


@pytest.mark.parametrize(
    ("before", "after", "shown"),
    [
        (lambda: icc_part(1, 1, ICC()), lambda: icc_part(1, 1, b"profile"), "swapped"),
        (lambda: icc_part(1, 1, b"profile"), lambda: icc_part(1, 1, ICC()), "red"),
        (lambda: icc_part(1, 2, ICC()[:200]), lambda: icc_part(2, 3, ICC()[200:]), "red"),
        (lambda: icc_part(2, 2, ICC()[200:]) + icc_part(1, 2, ICC()[:200]), bytes, "swapped"),
    ],
    ids=[
        "a part repeated after the frame header: the first is read",
        "the first whole set is no profile: none is applied",
        "parts that disagree on their count: none is assembled",
        "parts in any order: assembled",
    ],
)
def test_the_icc_profile_is_the_one_chromium_assembles(
    before: Callable[[], bytes], after: Callable[[], bytes], shown: str
) -> None:
    """Where libjpeg-turbo calls the ICC segments bogus, the mend keeps those Chromium reads (as
    Debian's Chromium 156 showed each of these files), so the stored colours are Chromium's."""
    data = icc_around_frame(before(), after())
    colour = red_half(PillowCodec().encode(data, PHOTO_BOX, ImageLimits()).data)
    expected = swapped_red() if shown == "swapped" else RED
    assert images.close(colour, expected, tolerance=12), (colour, expected)
    assert mended(mended(data)) == mended(data)


def test_a_set_chromium_cannot_assemble_leaves_no_icc_segment() -> None:
    """None of the parts of a profile Chromium cannot assemble is left to another decoder."""
    data = icc_around_frame(icc_part(1, 2, ICC()), icc_part(3, 2, ICC()))
    assert ICC_SIGNATURE in data
    assert ICC_SIGNATURE not in mended(data)


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_a_cut_jpeg_is_refused_whatever_its_scale(mode: str) -> None:
    """Cut short, at full scale and at an eighth: refused, never stored half grey."""
    data = cut(grain(mode, (1600, 1200)))
    for box in (Box(1600, 1600), Box(200, 200)):
        with pytest.raises(InvalidImage, match="premature end") as refused:
            PillowCodec().encode(data, box, ImageLimits())
        assert refused.value.reason == "damaged"


def test_a_cmyk_jpeg_goes_to_pillow_and_is_still_checked() -> None:
    """libjpeg-turbo gives no RGB of CMYK: Pillow decodes it, after the check at an eighth."""
    cmyk = images.encode(Image.effect_noise((300, 200), 50).convert("CMYK"), "JPEG")
    assert jpeg.decode(cmyk, "CMYK", (300, 200), 1) is None
    stored = images.decode(PillowCodec().encode(cmyk, PHOTO_BOX, ImageLimits()).data)
    assert (stored.mode, stored.size) == ("RGB", (300, 200))
    with pytest.raises(InvalidImage, match="premature end"):
        PillowCodec().encode(cut(cmyk), PHOTO_BOX, ImageLimits())


def test_a_cmyk_jpeg_is_cropped_where_asked_at_reduced_scale() -> None:
    """Through Pillow's draft, at the scale the codec planned for: the crop lands on the
    quadrant asked for (a draft at another scale would move it)."""
    picture = images.quadrants((1600, 1200)).convert("CMYK")
    cmyk = images.encode(picture, "JPEG", quality=95)
    bottom_right = Crop(800, 600, 800, 600)
    box = attrs.evolve(Box(200, 200), crop=bottom_right)
    stored = images.decode(PillowCodec().encode(cmyk, box, ImageLimits()).data)
    assert stored.size == (200, 150)
    centre = stored.getpixel((100, 75))
    assert isinstance(centre, tuple)
    assert images.close(centre, images.QUADRANT_COLOURS[3])


def test_a_decoder_failure_of_another_kind_is_damage_in_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fails(*args: object, **options: object) -> object:
        raise RuntimeError("deep inside the decoder")

    monkeypatch.setattr(simplejpeg, "decode_jpeg", fails)
    with pytest.raises(InvalidImage, match="it could not be read") as refused:
        PillowCodec().encode(grain("RGB", (120, 80)), PHOTO_BOX, ImageLimits())
    assert refused.value.reason == "damaged"


SAMPLINGS = {"luma 1x3": LUMA_1X3, "chroma 2x1, 1x1": CHROMA_2X1_1X1, "chroma finer": CHROMA_FINER}


@pytest.mark.parametrize("scale", [1, 2, 8])
@pytest.mark.parametrize("sampling", SAMPLINGS.values(), ids=SAMPLINGS)
def test_a_colour_sampling_turbojpeg_cannot_name_is_stored_as_pillow_decodes_it(
    sampling: tuple[tuple[int, int], ...], scale: int, stored: list[Image.Image]
) -> None:
    """Such a JPEG (wuffs' peacock.s1x3.jpeg, say) is no damage: Pillow's libjpeg decodes it, at
    the scale the box allows, and those are the pixels stored."""
    data = sampled_jpeg(blocky((320, 240)), sampling)
    with pytest.raises(ValueError, match="subsampling"):
        simplejpeg.decode_jpeg_header(data)
    PillowCodec().encode(data, Box(320 // scale, 320 // scale), ImageLimits())
    pillow = Image.open(io.BytesIO(data))
    pillow.draft("RGB", (320 // scale, 240 // scale))
    pillow.load()
    assert (stored[0].size, stored[0].tobytes()) == (pillow.size, pillow.tobytes())


@pytest.mark.parametrize("sampling", SAMPLINGS.values(), ids=SAMPLINGS)
def test_such_a_jpeg_cut_or_cut_and_closed_is_refused(
    sampling: tuple[tuple[int, int], ...],
) -> None:
    """Cut anywhere in its data, closed or not, at full scale and at an eighth: refused as
    damaged in words of our own, never stored with its missing blocks grey."""
    data = sampled_jpeg(blocky(), sampling)
    scan = data.index(b"\xff\xda")
    for keep in (0.1, 0.5, 0.9):
        end = scan + int((len(data) - scan) * keep)
        for broken in (data[:end], data[:end] + b"\xff\xd9"):
            images.decode(broken[:-2] + b"\xff\xd9")  # Pillow's decoder takes it closed
            for box in (Box(320, 320), Box(40, 40)):
                with pytest.raises(InvalidImage, match="ends before the picture") as refused:
                    PillowCodec().encode(broken, box, ImageLimits())
                assert "()" not in str(refused.value)


def test_such_a_jpeg_in_several_scans_is_refused_by_name() -> None:
    """libjpeg reads every scan up to the end marker before it gives a row, so the check cannot
    be made: refused as a kind of JPEG not taken (not as damaged), though Pillow decodes it."""
    data = sampled_jpeg(picture((160, 64)), LUMA_1X3, one_scan=False)
    images.decode(data)
    with pytest.raises(UnsupportedImageType) as refused:
        PillowCodec().encode(data, PHOTO_BOX, ImageLimits())
    assert refused.value.detected == "JPEG of several scans with an unusual colour sampling"


@pytest.mark.parametrize(
    ("complaint", "wording"),
    [
        (
            "tjDecompress2(): Corrupt JPEG data: premature end of data segment",
            "corrupt JPEG data: premature end of data segment",
        ),
        ("tjDecompressHeader3(): Could not determine subsampling level of JPEG image", None),
        ("Unsupported JPEG process: SOF type 0xcb", None),
    ],
)
def test_a_complaint_is_worded_without_the_function_that_passed_it_on(
    complaint: str, wording: str | None
) -> None:
    """libjpeg's words, never a TurboJPEG function's name; none for what is no damage."""
    assert jpeg_wording(ValueError(complaint)) == wording
