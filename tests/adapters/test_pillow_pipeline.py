"""The codec is faithful (upright, sized, coloured, animated) and private (pixels only)."""

from __future__ import annotations

import io
import threading

import pytest
from PIL import Image, ImageFile

from imagecore import Box, EncodedImage, ImageLimits, Slot
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.adapters.pillow_codec.pixels import draft_size, flatten
from imagecore.decode_limit import SlottedCodec, ThreadSlots
from imagecore.policies import DEFAULT_POLICIES
from imagecore.rejections import ImageTooLarge
from tests import containers, images

PROFILE = DEFAULT_POLICIES[Slot.PROFILE].box
COVER = DEFAULT_POLICIES[Slot.COVER].box
LIMITS = ImageLimits()


@pytest.fixture
def codec() -> PillowCodec:
    return PillowCodec()


def stored(codec: PillowCodec, data: bytes, box: Box = PROFILE) -> Image.Image:
    return images.decode(codec.encode(data, box, LIMITS).data)


# --- Upright -------------------------------------------------------------------------------------


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("format_name", ["JPEG", "PNG"])
def test_every_exif_orientation_is_applied_to_the_pixels(
    codec: PillowCodec, orientation: int, format_name: str
) -> None:
    """Each of the eight orientations gives the upright picture: size and corner colours."""
    photo = stored(codec, images.phone_photo(orientation, format_name=format_name))
    assert photo.size == (60, 40)
    top_left, top_right, bottom_left = images.corners(photo)
    assert images.close(top_left, images.RED), top_left
    assert images.close(top_right, images.GREEN), top_right
    assert images.close(bottom_left, images.BLUE), bottom_left
    assert not photo.getexif()


@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_webp_is_stored_as_its_pixels_are_whatever_its_exif_orientation(
    codec: PillowCodec, orientation: int
) -> None:
    """A WebP's EXIF orientation is not applied, as browsers do not apply it: the stored
    picture has the file's own size and corner colours, and no EXIF."""
    method = images.STORE_FOR_ORIENTATION[orientation]
    as_stored = images.marked() if method is None else images.marked().transpose(method)
    photo = stored(codec, images.phone_photo(orientation, format_name="WEBP"))
    assert photo.size == as_stored.size
    for got, want in zip(images.corners(photo), images.corners(as_stored), strict=True):
        assert images.close(got, want), (got, want)
    assert not photo.getexif()


@pytest.mark.parametrize("orientation", [1, 6, 8])
def test_large_turned_photos_are_decoded_small_and_upright(
    codec: PillowCodec, orientation: int
) -> None:
    """A 4000x3000 stored photo turned by EXIF fits the box in its upright shape."""
    photo = stored(codec, images.phone_photo(orientation, size=(4000, 3000)))
    assert photo.size == (800, 600)
    top_left, top_right, bottom_left = images.corners(photo)
    assert images.close(top_left, images.RED)
    assert images.close(top_right, images.GREEN)
    assert images.close(bottom_left, images.BLUE)


# --- Sized ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "box", "expected"),
    [
        ((2000, 1000), Box(800, 800), (800, 400)),
        ((1000, 3000), Box(800, 800), (267, 800)),
        ((6000, 1000), Box(2400, 1200), (2400, 400)),
        ((300, 200), Box(800, 800), (300, 200)),
        ((1, 20000), Box(800, 800), (1, 800)),
        ((1000, 600), Box(400, 400, fill=True), (400, 400)),
        ((3000, 2000), Box(1500, 500, fill=True), (1500, 500)),
        ((200, 100), Box(400, 400, fill=True), (100, 100)),
    ],
)
def test_images_fit_or_fill_their_box_and_are_never_upscaled(
    size: tuple[int, int], box: Box, expected: tuple[int, int]
) -> None:
    """Fit scales down keeping the aspect; fill crops to the box's shape; nothing grows."""
    encoded = PillowCodec().encode(images.png(size=size), box, LIMITS)
    assert (encoded.width, encoded.height) == expected
    assert images.decode(encoded.data).size == expected


def test_fill_crops_around_the_centre() -> None:
    """Filling a square from a wide picture cuts its left and right edges off evenly."""
    wide = Image.new("RGB", (900, 300), images.GREY)
    wide.paste(images.RED, (0, 0, 150, 300))  # left sixth: cut away
    wide.paste(images.BLUE, (750, 0, 900, 300))  # right sixth: cut away
    wide.paste(images.GREEN, (440, 140, 460, 160))  # centre: kept, in the middle
    square = stored(PillowCodec(), images.encode(wide, "PNG"), Box(300, 300, fill=True))
    assert square.size == (300, 300)
    assert images.close(square.getpixel((2, 150)), images.GREY)  # type: ignore[arg-type]
    assert images.close(square.getpixel((297, 150)), images.GREY)  # type: ignore[arg-type]
    assert images.close(square.getpixel((150, 150)), images.GREEN)  # type: ignore[arg-type]


# --- Colour --------------------------------------------------------------------------------------


@pytest.mark.parametrize("format_name", ["JPEG", "PNG", "WEBP"])
def test_an_embedded_icc_profile_is_converted_to_srgb(codec: PillowCodec, format_name: str) -> None:
    """Red under a profile whose red is sRGB green is stored as green, with no profile."""
    tagged = images.encode(
        Image.new("RGB", (32, 32), (255, 0, 0)),
        format_name,
        icc_profile=images.swapped_primaries_icc(),
        **({"quality": 100} if format_name != "PNG" else {}),
    )
    photo = stored(codec, tagged)
    assert images.close(photo.convert("RGB").getpixel((16, 16)), (0, 255, 0))  # type: ignore[arg-type]
    assert "icc_profile" not in photo.info


def test_a_broken_icc_profile_is_ignored(codec: PillowCodec) -> None:
    """A profile that does not parse is dropped; the image is kept as it is."""
    data = images.encode(Image.new("RGB", (8, 8), (255, 0, 0)), "PNG", icc_profile=b"junk" * 40)
    assert images.close(stored(codec, data).getpixel((4, 4)), (255, 0, 0))  # type: ignore[arg-type]


def test_cmyk_jpegs_become_rgb(codec: PillowCodec) -> None:
    """A CMYK JPEG (as print workflows export) is stored as RGB with the right colour."""
    cmyk = Image.new("CMYK", (32, 32), (0, 255, 255, 0))  # no cyan, full magenta and yellow: red
    photo = stored(codec, images.encode(cmyk, "JPEG", quality=100))
    assert photo.mode == "RGB"
    assert images.close(photo.getpixel((16, 16)), (255, 0, 0))  # type: ignore[arg-type]


@pytest.mark.parametrize("rgb", [(230, 20, 20), (20, 120, 230)])
def test_ycck_jpegs_become_rgb(codec: PillowCodec, rgb: tuple[int, int, int]) -> None:
    """A YCCK JPEG (Adobe transform 2) is stored as RGB showing the same colour."""
    data = images.ycck_jpeg(rgb)
    assert Image.open(io.BytesIO(data)).mode == "CMYK"
    photo = stored(codec, data)
    assert photo.mode == "RGB"
    assert images.close(photo.getpixel((16, 16)), rgb, tolerance=8)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "mode", "pixel"),
    [
        (images.encode(Image.new("I;16", (8, 8), 32768), "PNG"), "L", 128),
        (images.png16_rgb((8, 8), (65535, 0, 32896)), "RGB", (255, 0, 128)),
        (images.encode(Image.new("L", (8, 8), 77), "PNG"), "L", 77),
        (images.encode(Image.new("1", (8, 8), 1), "PNG"), "L", 255),
        (
            images.encode(Image.new("RGB", (8, 8), (9, 99, 199)).quantize(4), "PNG"),
            "RGB",
            (9, 99, 199),
        ),
    ],
    ids=["16-bit grey", "16-bit RGB", "grey", "bilevel", "palette"],
)
def test_16_bit_palette_and_grey_images_keep_their_values(
    codec: PillowCodec, data: bytes, mode: str, pixel: object
) -> None:
    """16-bit values are scaled (not clipped) to 8 bits; grey stays grey; palettes expand."""
    photo = stored(codec, data)
    assert photo.mode == mode
    assert photo.getpixel((4, 4)) == pixel


# --- Transparency --------------------------------------------------------------------------------


@pytest.mark.parametrize("format_name", ["PNG", "WEBP", "GIF"])
def test_transparency_is_kept(codec: PillowCodec, format_name: str) -> None:
    """A half-transparent picture keeps its clear and opaque parts in PNG, WebP and GIF."""
    picture = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    picture.paste((200, 0, 0, 255), (0, 0, 10, 20))
    photo = stored(codec, images.encode(picture, format_name)).convert("RGBA")
    assert photo.getpixel((15, 10))[3] == 0  # type: ignore[index]
    assert photo.getpixel((5, 10))[3] == 255  # type: ignore[index]


def test_palette_transparency_is_kept(codec: PillowCodec) -> None:
    """A palette PNG with a transparent index stays transparent."""
    picture = Image.new("P", (10, 10), 0)
    picture.putpalette([0, 0, 0, 255, 0, 0])
    picture.paste(1, (0, 0, 5, 10))
    photo = stored(codec, images.encode(picture, "PNG", transparency=0)).convert("RGBA")
    assert photo.getpixel((8, 5))[3] == 0  # type: ignore[index]
    assert photo.getpixel((2, 5)) == (255, 0, 0, 255)


def test_flattening_puts_transparency_on_white() -> None:
    """Where a format cannot hold transparency, clear pixels become white."""
    picture = Image.new("RGBA", (2, 1), (0, 0, 0, 0))
    picture.putpixel((1, 0), (10, 20, 30, 255))
    flat = flatten(picture)
    assert flat.mode == "RGB"
    assert [flat.getpixel((x, 0)) for x in (0, 1)] == [(255, 255, 255), (10, 20, 30)]


# --- Animation -----------------------------------------------------------------------------------


def animation(
    format_name: str, size: tuple[int, int], durations: list[int], loop: int | None = 0
) -> bytes:
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
    frames = [Image.new("RGB", size, colours[i % 4]) for i in range(len(durations))]
    options: dict[str, object] = {"loop": loop} if loop is not None else {}
    return images.encode(
        frames[0],
        format_name,
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        **options,
    )


@pytest.mark.parametrize("format_name", ["GIF", "WEBP"])
def test_animations_keep_every_frame_resized_with_its_timing(
    codec: PillowCodec, format_name: str
) -> None:
    """Each frame is scaled to the box; frame count, durations and loop count are kept."""
    data = animation(format_name, (1600, 1000), [100, 200, 300, 400], loop=3)
    encoded = codec.encode(data, PROFILE, LIMITS)
    assert (encoded.width, encoded.height) == (800, 500)
    result = Image.open(io.BytesIO(encoded.data))
    assert result.format == format_name
    assert getattr(result, "n_frames", 1) == 4
    durations, colours = [], []
    for index in range(4):
        result.seek(index)
        assert result.size == (800, 500)
        colours.append(result.convert("RGB").getpixel((400, 250)))
        durations.append(result.info["duration"])
    assert durations == [100, 200, 300, 400]
    expected = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
    assert [
        isinstance(c, tuple) and images.close(c, e) for c, e in zip(colours, expected, strict=True)
    ] == [True] * 4
    assert result.info.get("loop") == 3


def test_a_gif_that_plays_once_still_plays_once(codec: PillowCodec) -> None:
    """No loop count in, no loop count out."""
    encoded = codec.encode(animation("GIF", (20, 20), [50, 50], loop=None), PROFILE, LIMITS)
    assert (0xFF, b"NETSCAPE2.0") not in containers.gif_extensions(encoded.data)


@pytest.mark.parametrize(
    ("limits", "refusal"),
    [
        (ImageLimits(max_frames=3), ("animation", 4, 3, "frames")),
        (
            ImageLimits(max_animation_pixels=1000),
            ("animation", 1600, 1000, "pixels over all frames"),
        ),
    ],
)
def test_animations_over_budget_are_refused(
    limits: ImageLimits, refusal: tuple[str, int, int, str]
) -> None:
    """Too many frames, or too many pixels over all frames, is a refusal naming the limit."""
    with pytest.raises(ImageTooLarge) as refused:
        PillowCodec().encode(animation("GIF", (20, 20), [10] * 4), PROFILE, limits)
    error = refused.value
    assert (error.what, error.actual, error.limit, error.unit) == refusal


def test_a_long_animation_within_the_pixel_budget_is_kept(codec: PillowCodec) -> None:
    """380 frames, as a real GIF collection has, fit the default budgets and are all kept; the
    1,001st frame is one too many."""
    encoded = codec.encode(animation("GIF", (8, 8), [20] * 380), PROFILE, LIMITS)
    assert images.decode(encoded.data).n_frames == 380
    with pytest.raises(ImageTooLarge) as refused:
        codec.encode(animation("GIF", (2, 2), [10] * 1001), PROFILE, LIMITS)
    assert (refused.value.actual, refused.value.limit) == (1001, 1000)


# --- Formats -------------------------------------------------------------------------------------


def test_jpeg_is_progressive_optimised_at_quality_85(codec: PillowCodec) -> None:
    """Stored JPEGs are progressive and use the quantisation tables of quality 85."""
    photo = stored(codec, images.jpeg(size=(400, 300)))
    reference = images.decode(images.jpeg(size=(8, 8), quality=85))
    assert photo.info.get("progressive") == 1
    assert photo.quantization == reference.quantization  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "data",
    [images.jpeg(), images.png(), images.gif(), images.webp()],
    ids=["jpeg", "png", "gif", "webp"],
)
def test_stills_can_all_become_webp(data: bytes) -> None:
    """With stills_as_webp, every still is stored as WebP."""
    encoded = PillowCodec(stills_as_webp=True).encode(data, COVER, LIMITS)
    assert encoded.extension == "webp"
    assert images.decode(encoded.data).format == "WEBP"


def test_animations_stay_animations_when_stills_become_webp() -> None:
    """stills_as_webp leaves an animated GIF a GIF."""
    encoded = PillowCodec(stills_as_webp=True).encode(
        animation("GIF", (10, 10), [10, 10]), COVER, LIMITS
    )
    assert encoded.extension == "gif"


# --- Private -------------------------------------------------------------------------------------

XMP = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>XMP-SECRET</x:xmpmeta>"
IPTC = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0bIPTC-SECRET"
THUMBNAIL_EXIF = b"Exif\x00\x00" + b"MM\x00*\x00\x00\x00\x08\x00\x00" + b"THUMBNAIL-SECRET" * 100
HUGE_EXIF = b"Exif\x00\x00" + b"MM\x00*\x00\x00\x00\x08\x00\x00" + b"X" * 65000
SECRETS = [b"SERIAL-12345", b"secret comment", b"XMP-SECRET", b"IPTC-SECRET", b"THUMBNAIL-SECRET"]


def test_jpeg_metadata_never_reaches_storage(codec: PillowCodec) -> None:
    """EXIF (GPS, serial, thumbnail), XMP, IPTC, comments: none of their bytes are stored."""
    data = images.jpeg_with_segments(
        images.phone_photo(6), (0xE1, XMP), (0xED, IPTC), (0xE1, THUMBNAIL_EXIF)
    )
    for secret in SECRETS:
        assert secret in data
    out = codec.encode(data, PROFILE, LIMITS).data
    assert not [s for s in SECRETS if s in out]
    # Only the JFIF header, tables, frame and scan: no APP1 (EXIF/XMP), APP13 (IPTC), COM.
    assert set(containers.jpeg_markers(out)) <= {0xE0, 0xDB, 0xC2, 0xC4, 0xDA, 0xDD}


def test_a_huge_exif_block_is_dropped(codec: PillowCodec) -> None:
    """A near-64 KB EXIF segment is accepted and none of it is stored."""
    out = codec.encode(images.jpeg_with_segments(images.jpeg(), (0xE1, HUGE_EXIF)), COVER, LIMITS)
    assert b"XXXXXXXX" not in out.data
    assert len(out.data) < 5000


def test_png_text_icc_and_exif_chunks_never_reach_storage(codec: PillowCodec) -> None:
    """A PNG's text, ICC and EXIF chunks are gone; only pixel chunks remain."""
    source = Image.open(io.BytesIO(images.phone_photo(1, format_name="PNG")))
    assert "exif" in source.info
    for data in (images.png_with_text(), images.phone_photo(3, format_name="PNG")):
        out = codec.encode(data, PROFILE, LIMITS).data
        assert set(containers.png_chunks(out)) <= {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}
        assert b"SERIAL-12345" not in out and b"<script>" not in out


def test_webp_metadata_never_reaches_storage(codec: PillowCodec) -> None:
    """A WebP's EXIF, XMP and ICC chunks are gone."""
    data = images.encode(
        images.marked(),
        "WEBP",
        exif=Image.open(io.BytesIO(images.phone_photo(1))).getexif(),
        xmp=b"<x:xmpmeta>XMP-SECRET</x:xmpmeta>",
        icc_profile=images.swapped_primaries_icc(),
    )
    assert b"XMP-SECRET" in data and b"SERIAL-12345" in data
    out = codec.encode(data, PROFILE, LIMITS).data
    assert not {b"EXIF", b"XMP ", b"ICCP"} & set(containers.webp_chunks(out))
    assert b"XMP-SECRET" not in out and b"SERIAL-12345" not in out


def test_gif_comments_and_application_blocks_never_reach_storage(codec: PillowCodec) -> None:
    """A GIF's comment and XMP application blocks are gone."""
    data = images.encode(Image.new("RGB", (10, 10), "red"), "GIF", comment=b"GIF-SECRET")
    out = codec.encode(data, PROFILE, LIMITS).data
    assert b"GIF-SECRET" not in out
    assert all(label in (0xF9, 0xFF) for label, _ in containers.gif_extensions(out))


def test_an_mpo_phone_picture_keeps_only_its_main_image(codec: PillowCodec) -> None:
    """A multi-picture JPEG is stored as one plain JPEG: the second picture is dropped."""
    main, second = images.marked((60, 40)), Image.new("RGB", (60, 40), (1, 2, 3))
    data = images.encode(main, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    encoded = codec.encode(data, PROFILE, LIMITS)
    assert encoded.extension == "jpg"
    assert encoded.data.count(b"\xff\xd8") == 1
    assert images.close(images.corners(images.decode(encoded.data))[0], images.RED)


def test_truncated_images_are_never_loaded(codec: PillowCodec) -> None:
    """Pillow's LOAD_TRUNCATED_IMAGES stays off, and the codec refuses to work if it is on."""
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    try:
        with pytest.raises(ValueError, match="LOAD_TRUNCATED_IMAGES"):
            PillowCodec()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False


# --- Bounded -------------------------------------------------------------------------------------


def test_concurrent_decodes_are_bounded() -> None:
    """Wrapped in two decode slots, two decodes run and a third starts only once one is done."""
    entered = threading.Semaphore(0)
    release = threading.Event()

    class Held(PillowCodec):
        """Holds every decode until the test releases them."""

        def _encode(self, data: bytes, box: Box, limits: ImageLimits) -> EncodedImage:
            entered.release()
            release.wait()
            return super()._encode(data, box, limits)

    codec = SlottedCodec(Held(), ThreadSlots(2))
    results: list[EncodedImage] = []
    threads = [
        threading.Thread(target=lambda: results.append(codec.encode(images.png(), COVER, LIMITS)))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    try:
        # Two decodes are under way (the timeout only keeps a broken codec from hanging the run).
        assert entered.acquire(timeout=30) and entered.acquire(timeout=30)
        # Both slots are taken: the third upload waits for one of them.
        assert not entered.acquire(timeout=0.3)
    finally:
        release.set()
        for thread in threads:
            thread.join()
    assert len(results) == 3


# --- Decoding only what is needed ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("orientation", "box", "expected"),
    [
        (1, Box(2400, 1200), (1600, 1200)),
        (6, Box(2400, 1200), (1200, 900)),  # upright 900x1200, stored turned
        (8, Box(2400, 1200), (1200, 900)),
        (3, Box(2400, 1200), (1600, 1200)),
        (1, Box(400, 400, fill=True), (534, 400)),  # the centre 3000x3000 must reach 400
    ],
)
def test_jpeg_drafts_are_sized_for_the_upright_box(
    orientation: int, box: Box, expected: tuple[int, int]
) -> None:
    """The decode size asked of a 4000x3000 JPEG follows its shown, not its stored, shape."""
    assert draft_size(4000, 3000, orientation, box) == expected


def test_a_12_megapixel_jpeg_is_decoded_at_a_quarter_for_a_profile() -> None:
    """DCT scaling: a 4000x3000 photo for an 800x800 box is decoded at 1000x750, not in full."""
    image = Image.open(io.BytesIO(images.jpeg(size=(4000, 3000))))
    image.draft(image.mode, draft_size(4000, 3000, 6, PROFILE))
    assert image.size == (1000, 750)
