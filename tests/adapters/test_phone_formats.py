"""HEIC and AVIF photos, made by libheif and libavif themselves: accepted, upright once, in sRGB,
8 bits, stripped, and stored as a format every browser shows; hostile ones refused."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import AvifImagePlugin, Image, ImageChops, ImageOps, ImageStat

from imagecore import Box, ImageLimits
from imagecore.adapters.pillow_codec import PillowCodec, costs
from imagecore.adapters.pillow_codec.av1 import frame_pixels as av1_frame_pixels
from imagecore.adapters.pillow_codec.codec import UPRIGHT
from imagecore.adapters.pillow_codec.heif_boxes import HEADER_BYTES
from imagecore.adapters.pillow_codec.heif_items import avif_mended, heif_work
from imagecore.rejections import ImageTooLarge, InvalidImage, UnsupportedImageType
from tests import images
from tests.images import QUADRANT_COLOURS, quadrants

pillow_heif = pytest.importorskip("pillow_heif")

BOX = Box(800, 800)
FIXTURES = Path(__file__).parents[1] / "fixtures"
LIMITS = ImageLimits()
MAKERS = {"HEIC": images.heic, "AVIF": images.avif}
#: An early writer's AVIF with an alpha channel, each item's properties in an ipma of its own.
PLUM = (FIXTURES / "plum-blossom-small.profile0.8bpc.yuv420.alpha-full.avif").read_bytes()


def stored(data: bytes, **codec: object) -> Image.Image:
    encoded = PillowCodec(**codec).encode(data, BOX, LIMITS)  # type: ignore[arg-type]
    picture = Image.open(io.BytesIO(encoded.data))
    picture.load()
    return picture


def near(got: tuple[int, ...], want: tuple[int, ...], tolerance: int = 16) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(got, want, strict=False))


@pytest.mark.parametrize("name", MAKERS)
def test_a_photo_is_accepted_and_stored_as_jpeg(name: str) -> None:
    picture = stored(MAKERS[name](quadrants((400, 300))))
    assert picture.format == "JPEG" and picture.size == (400, 300)
    rgb = picture.convert("RGB")
    assert near(rgb.getpixel((50, 50)), QUADRANT_COLOURS[0])  # type: ignore[arg-type]
    assert near(rgb.getpixel((350, 250)), QUADRANT_COLOURS[3])  # type: ignore[arg-type]


@pytest.mark.parametrize("name", MAKERS)
def test_with_stills_as_webp_it_is_webp(name: str) -> None:
    assert stored(MAKERS[name](quadrants((40, 30))), stills_as_webp=True).format == "WEBP"


@pytest.mark.parametrize("name", MAKERS)
def test_transparency_is_kept_in_webp(name: str) -> None:
    clear = Image.new("RGBA", (64, 48), (200, 30, 30, 0))
    clear.paste((30, 30, 200, 255), (0, 0, 32, 48))
    picture = stored(MAKERS[name](clear))
    assert picture.format == "WEBP" and picture.mode == "RGBA"
    assert picture.getpixel((8, 24))[3] == 255 and picture.getpixel((56, 24))[3] == 0  # type: ignore[index]


@pytest.mark.parametrize("orientation", sorted(UPRIGHT))
@pytest.mark.parametrize("name", MAKERS)
def test_the_container_s_rotation_and_mirror_are_applied_once(name: str, orientation: int) -> None:
    """Written with each orientation (the container's irot and imir; for HEIC the EXIF keeps it
    too, as phones leave it), the photo is stored as a viewer shows it: turned once."""
    raw = quadrants((400, 300))
    exif = Image.Exif()
    exif[images.ORIENTATION] = orientation
    raw.info["exif"] = exif.tobytes()
    shown = ImageOps.exif_transpose(raw)
    picture = stored(MAKERS[name](quadrants((400, 300)), orientation)).convert("RGB")
    assert picture.size == shown.size
    for corner in ((20, 20), (picture.width - 20, 20), (20, picture.height - 20)):
        assert near(picture.getpixel(corner), shown.getpixel(corner)), corner  # type: ignore[arg-type]


def test_an_avif_exif_orientation_without_the_container_s_is_not_applied() -> None:
    """An AVIF whose EXIF says 6 but whose container does not turn it: browsers show it as it
    is stored (the container decides), and so is it stored."""
    exif = Image.Exif()
    exif[0x0128] = 6  # a SHORT tag the writer leaves alone, renamed to orientation below
    data = images.encode(quadrants((400, 300)), "AVIF", quality=90, exif=exif.tobytes())
    renamed = data.replace(
        b"\x01\x28\x00\x03\x00\x00\x00\x01\x00\x06", b"\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06"
    )
    assert renamed != data
    picture = stored(renamed).convert("RGB")
    assert picture.size == (400, 300)
    assert near(picture.getpixel((20, 20)), QUADRANT_COLOURS[0])  # type: ignore[arg-type]


@pytest.mark.parametrize("bits", [10, 12])
def test_a_deep_heic_is_scaled_to_eight_bits_not_clipped(
    bits: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 10- or 12-bit HEIC of mid grey (half the range) is stored as mid grey (about 128), not
    as white, which keeping the low bits would give."""
    monkeypatch.setattr(pillow_heif.options, "SAVE_HDR_TO_12_BIT", bits == 12)
    grey = pillow_heif.from_bytes("RGB;16", (64, 48), struct.pack("<H", 0x8000) * (64 * 48 * 3))
    out = io.BytesIO()
    grey.save(out, quality=-1)
    data = out.getvalue()
    pixi = data.index(b"pixi")
    assert data[pixi + 8 : pixi + 12] == bytes([3, bits, bits, bits])
    value = stored(data).convert("RGB").getpixel((32, 24))
    assert near(value, (128, 128, 128), 6)  # type: ignore[arg-type]


def test_ten_bit_avif_is_scaled_to_eight_bits_not_clipped() -> None:
    data = (FIXTURES / "grey-10bit.avif").read_bytes()
    pixi = data.index(b"pixi")
    assert data[pixi + 8 : pixi + 12] == bytes([3, 10, 10, 10])  # three channels of 10 bits
    value = stored(data).convert("RGB").getpixel((32, 24))
    assert near(value, (128, 128, 128), 6)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", MAKERS)
def test_no_metadata_survives(name: str) -> None:
    """EXIF with GPS and a JPEG thumbnail (with GPS of its own), and an XMP packet, go in;
    nothing of them comes out."""
    thumbnail = images.encode(
        Image.new("RGB", (16, 12), "white"),
        "JPEG",
        exif=images.exif_bytes(gps=True),
        comment=b"thumbnail-of-home",
    )
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/>secret-place</x:xmpmeta>'
    exif = images.exif_with_thumbnail(thumbnail)
    data = MAKERS[name](quadrants((400, 300)), exif=exif, xmp=xmp)
    assert b"secret-place" in data and b"thumbnail-of-home" in data
    encoded = PillowCodec().encode(data, BOX, LIMITS).data
    for leak in (b"secret-place", b"thumbnail-of-home", b"Exif", b"MM\x00*", b"xmpmeta"):
        assert leak not in encoded, leak
    picture = Image.open(io.BytesIO(encoded))
    assert picture.size == (400, 300)  # the photo, not its thumbnail
    assert not picture.info.get("exif") and not picture.info.get("icc_profile")


@pytest.mark.parametrize("name", MAKERS)
def test_a_colour_profile_is_converted_to_srgb(name: str) -> None:
    """Tagged with a profile whose red and green are swapped, the photo's red is stored green."""
    red = Image.new("RGB", (32, 32), (200, 20, 20))
    data = MAKERS[name](red, icc_profile=images.swapped_primaries_icc())
    r, g, b = stored(data).convert("RGB").getpixel((16, 16))  # type: ignore[misc]
    assert g > r + 100, (r, g, b)


@pytest.mark.parametrize("name", MAKERS)
@pytest.mark.parametrize(
    ("primaries", "expected"),
    [(1, (180, 120, 60)), (12, (190, 117, 45)), (9, (210, 110, 42))],
    ids=["sRGB", "Display P3", "BT.2020"],
)
def test_colours_named_by_code_are_converted_to_srgb(
    name: str, primaries: int, expected: tuple[int, int, int]
) -> None:
    """A picture with no ICC profile but colour primaries in its nclx property (as cameras and
    browsers write P3 and BT.2020 photos) is converted as those primaries say. The expected
    values are those of the published P3-to-sRGB and BT.2020-to-sRGB matrices."""
    data = MAKERS[name](Image.new("RGB", (32, 32), (180, 120, 60)))
    colr = data.index(b"colrnclx")
    tagged = data[: colr + 8] + struct.pack(">H", primaries) + data[colr + 10 :]
    assert data[colr + 8 : colr + 10] == b"\x00\x01"  # the writers say sRGB (BT.709)
    got = stored(tagged).convert("RGB").getpixel((16, 16))
    assert near(got, expected, 4), got  # type: ignore[arg-type]


@pytest.mark.parametrize("name", MAKERS)
def test_a_header_over_the_pixel_limit_is_refused_before_decoding(name: str) -> None:
    """The image's declared size (its ispe property) says 8000 x 6000: refused as too large,
    though a HEIC's clean aperture still says 64 x 48 (what libheif reports as its size)."""
    data = MAKERS[name](quadrants((64, 48)))
    bloated = images.iso_box_patched(data, b"ispe", struct.pack(">II", 8000, 6000))
    with pytest.raises(ImageTooLarge):
        PillowCodec().encode(bloated, BOX, LIMITS)


def grid_heic(monkeypatch: pytest.MonkeyPatch) -> bytes:
    """A 1000 x 700 HEIC in 256-pixel tiles (4 x 3), as phones write their photos."""
    monkeypatch.setattr(pillow_heif.options, "GRID_TILE_SIZE", 256)
    return images.heic(quadrants((1000, 700)))


def test_a_grid_heic_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    data = grid_heic(monkeypatch)
    assert b"grid" in data
    picture = stored(data).convert("RGB")
    assert picture.size == (800, 560)  # sized into the 800 x 800 box
    assert near(picture.getpixel((700, 500)), QUADRANT_COLOURS[3])  # type: ignore[arg-type]


def test_a_grid_whose_tiles_add_up_to_far_more_than_its_picture_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The grid says its picture is 256 x 256 (its ispe and its own record), yet lists twelve
    256-pixel tiles: decoding it would decode twelve pictures' worth. Refused before."""
    data = grid_heic(monkeypatch)
    declared = b"ispe" + bytes(4) + struct.pack(">II", 1000, 700)
    record = bytes([0, 0, 2, 3]) + struct.pack(">HH", 1000, 700)
    assert data.count(declared) == 1 and data.count(record) == 1
    small = data.replace(declared, b"ispe" + bytes(4) + struct.pack(">II", 256, 256))
    small = small.replace(record, bytes([0, 0, 2, 3]) + struct.pack(">HH", 256, 256))
    with pytest.raises(InvalidImage, match="damaged") as refused:
        PillowCodec().encode(small, BOX, LIMITS)
    assert refused.value.detail == "its tiles add up to far more than the picture"


def test_a_grid_canvas_over_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The grid's own record says 8000 x 6000, whatever its ispe says: too large."""
    data = grid_heic(monkeypatch)
    record = bytes([0, 0, 2, 3]) + struct.pack(">HH", 1000, 700)
    bloated = data.replace(record, bytes([0, 0, 2, 3]) + struct.pack(">HH", 8000, 6000))
    with pytest.raises(ImageTooLarge):
        PillowCodec().encode(bloated, BOX, LIMITS)


def test_a_grid_padded_to_whole_tiles_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    """300 x 200 in two 256-pixel tiles, as libheif pads a grid's last column and row (and as
    older libheif wrote a small picture as one padded tile): the tiles hold more than twice
    the picture's pixels, and it is a whole, ordinary picture."""
    monkeypatch.setattr(pillow_heif.options, "GRID_TILE_SIZE", 256)
    data = images.heic(quadrants((300, 200)))
    work = heif_work(data)
    assert work is not None and work.decoded == 2 * 256 * 256 > 2 * 300 * 200
    picture = stored(data).convert("RGB")
    assert picture.size == (300, 200)
    assert near(picture.getpixel((280, 180)), QUADRANT_COLOURS[3])  # type: ignore[arg-type]


def test_a_grid_s_padding_is_bounded_by_its_picture(monkeypatch: pytest.MonkeyPatch) -> None:
    """Padded tiles are decoded whole: their pixels may pass the pixel limit by the picture's
    own pixels again, no more (else one huge tile could sit under a one-pixel canvas)."""
    monkeypatch.setattr(pillow_heif.options, "GRID_TILE_SIZE", 256)
    data = images.heic(quadrants((300, 200)))
    with pytest.raises(ImageTooLarge) as refused:
        PillowCodec().encode(data, BOX, ImageLimits(max_pixels=100_000))
    assert (refused.value.actual, refused.value.limit) == (2 * 256 * 256, 2 * 300 * 200)


def test_a_tile_listed_again_and_again_counts_each_time() -> None:
    """One grid listing one tile a thousand times: a thousand tiles to decode, refused as far
    more than the picture."""
    work = heif_work(nested_grids(levels=1, listings=1000))
    assert work is not None and work.decoded == 1000 * 64 * 64
    assert work.decoded > 2 * work.covered  # so the codec refuses it as damaged


def test_grids_of_grids_are_not_read() -> None:
    """Four grids nested, each listing the next a thousand times (10^12 tiles, in 10 KB): real
    files compose coded tiles, so such items are not read, and the file is refused."""
    assert heif_work(nested_grids(levels=4, listings=1000)) is None


def test_a_file_of_far_too_many_references_is_not_read() -> None:
    assert heif_work(nested_grids(levels=2, listings=40_000)) is None


def nested_grids(levels: int, listings: int) -> bytes:
    """The items of a HEIF file (no coded data): grid 1 lists grid 2 ``listings`` times, and so
    on for ``levels`` grids, the last listing a 64 x 64 HEVC item; every canvas 64 x 64."""

    def box(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", 8 + len(body)) + kind + body

    def full(kind: bytes, body: bytes, version: int = 0) -> bytes:
        return box(kind, bytes([version, 0, 0, 0]) + body)

    leaf = levels + 1
    kinds = {**{item: b"grid" for item in range(1, leaf)}, leaf: b"hvc1"}
    items = b"".join(
        full(b"infe", struct.pack(">HH", item, 0) + kind + b"\x00", version=2)
        for item, kind in kinds.items()
    )
    references = b"".join(
        box(b"dimg", struct.pack(">HH", item, listings) + struct.pack(">H", item + 1) * listings)
        for item in range(1, leaf)
    )
    record = bytes([0, 0, 0, 0]) + struct.pack(">HH", 64, 64)  # one row, one column
    associations = struct.pack(">I", len(kinds)) + b"".join(
        struct.pack(">HBB", item, 1, 1) for item in kinds
    )
    locations = (
        bytes([0x44, 0x00])
        + struct.pack(">H", levels)
        + b"".join(struct.pack(">HHHHII", item, 1, 0, 1, 0, len(record)) for item in range(1, leaf))
    )
    meta = (
        full(b"pitm", struct.pack(">H", 1))
        + full(b"iinf", struct.pack(">H", len(kinds)) + items)
        + full(b"iref", references)
        + box(
            b"iprp",
            box(b"ipco", full(b"ispe", struct.pack(">II", 64, 64))) + full(b"ipma", associations),
        )
        + full(b"iloc", locations, version=1)
        + box(b"idat", record)
    )
    return box(b"ftyp", b"heic" + bytes(4) + b"mif1heic") + full(b"meta", meta)


def test_a_grid_tile_that_fails_to_decode_fails_the_picture(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """libheif, left to itself, leaves out a tile it cannot decode and fills its place with
    green; the codec decodes strictly, so the picture is refused rather than stored so."""
    data = grid_heic(monkeypatch)
    start, length = images.heif_item_extent(data, 4)  # the third of twelve tiles
    broken = data[:start] + bytes(length) + data[start + length :]
    lenient = pillow_heif.open_heif(io.BytesIO(broken)).to_pillow()
    assert lenient.getpixel((600, 100)) == (0, 136, 0)  # the hole libheif leaves
    with pytest.raises(InvalidImage, match="damaged"):
        PillowCodec().encode(broken, BOX, LIMITS)


@pytest.mark.parametrize(
    ("coding", "named"),
    [
        (b"avc1", "AVC (H.264) in HEIF"),
        (b"j2k1", "JPEG 2000 in HEIF"),
        (b"jpeg", "JPEG in HEIF"),
        (b"unci", "uncompressed HEIF (ISO/IEC 23001-17)"),
        (b"vvc1", "VVC (H.266) in HEIF"),
    ],
)
def test_a_heif_of_another_coding_is_refused_by_name(coding: bytes, named: str) -> None:
    """Named by the primary image's item type, also behind a grid, not called damaged."""
    for data in (images.heic(quadrants((64, 48))), grid_heic_of(quadrants((600, 400)))):
        head = data[: data.index(b"mdat")]
        at = head.index(b"hvc1")  # the first image item's type
        with pytest.raises(UnsupportedImageType) as refused:
            PillowCodec().encode(data[:at] + coding + data[at + 4 :], BOX, LIMITS)
        assert refused.value.detected == named


def grid_heic_of(picture: Image.Image) -> bytes:
    pillow_heif.options.GRID_TILE_SIZE, before = 256, pillow_heif.options.GRID_TILE_SIZE
    try:
        data = images.heic(picture)
    finally:
        pillow_heif.options.GRID_TILE_SIZE = before
    assert b"grid" in data
    return data


@pytest.mark.parametrize(
    "payload",
    [b"\x00\x00\x00\x00not a TIFF header", b"\x00\x00\xff\xf0" + bytes(16)],
    ids=["not TIFF", "offset beyond the payload"],
)
def test_an_avif_whose_exif_cannot_be_read_is_stored_without_it(payload: bytes) -> None:
    """Browsers' AVIF decoders never read Exif (orientation is the container's irot and
    imir), and none is stored: a broken Exif payload does not refuse the picture."""
    clean = images.avif(quadrants((64, 48)))
    tagged = images.avif(quadrants((64, 48)), exif=images.exif_bytes(gps=True))
    start, length = images.heif_item_extent(tagged, images.heif_exif_item(tagged))
    broken = tagged[:start] + payload.ljust(length, b"\xff")[:length] + tagged[start + length :]
    with pytest.raises((ValueError, SyntaxError)):  # what Pillow alone makes of it
        Image.open(io.BytesIO(broken), formats=["AVIF"]).load()
    got = PillowCodec().encode(broken, BOX, LIMITS)
    assert got.data == PillowCodec().encode(clean, BOX, LIMITS).data


def test_an_avif_with_its_properties_in_two_association_boxes_is_accepted() -> None:
    """Early AVIF writers gave each item its own ipma box; libavif refuses that, browsers show
    it. Joined into one, the picture is stored with its transparency, as its PNG source shows."""
    data = PLUM
    assert data.count(b"ipma") == 2
    with pytest.raises(SyntaxError, match="BMFF parsing failed"):
        AvifImagePlugin.AvifImageFile(io.BytesIO(data))  # what libavif alone says
    picture = stored(data)
    assert picture.format == "WEBP" and picture.mode == "RGBA"
    source = Image.open(FIXTURES / "plum-blossom-small.png").convert("RGBA")
    assert picture.getpixel((0, 0))[3] == source.getpixel((0, 0))[3] == 0  # type: ignore[index]
    on_white = Image.new("RGBA", source.size, "white")
    shown, want = on_white.copy(), on_white.copy()
    shown.alpha_composite(picture)
    want.alpha_composite(source)
    difference = ImageChops.difference(shown.convert("RGB"), want.convert("RGB"))
    assert max(ImageStat.Stat(difference).mean) < 3  # AV1 at 8 bits, against the PNG


@pytest.mark.parametrize("name", MAKERS)
def test_a_truncated_file_is_damaged(name: str) -> None:
    data = MAKERS[name](Image.effect_noise((256, 256), 60).convert("RGB"))
    with pytest.raises(InvalidImage, match="damaged"):
        PillowCodec().encode(data[: len(data) * 2 // 3], BOX, LIMITS)


def test_an_avif_image_sequence_is_refused_by_name() -> None:
    frames = [Image.new("RGB", (32, 32), colour) for colour in ("red", "blue")]
    data = images.encode(frames[0], "AVIF", save_all=True, append_images=frames[1:])
    with pytest.raises(UnsupportedImageType, match="AVIF image sequence"):
        PillowCodec().encode(data, BOX, LIMITS)


def test_an_avif_frame_larger_than_its_item_declares_is_refused() -> None:
    """A 2048 x 2048 AV1 frame in an item whose ispe says 64 x 64: libavif would decode the
    whole frame, then crop it. Its sequence header says 2048 x 2048, and that is what counts."""
    data = images.avif(Image.new("RGB", (2048, 2048), (90, 90, 90)))
    lying = images.iso_box_patched(data, b"ispe", struct.pack(">II", 64, 64))
    with Image.open(io.BytesIO(lying), formats=["AVIF"]) as opened:
        assert opened.size == (64, 64)  # what the decoder reports
    limits = ImageLimits(max_pixels=1_000_000)
    with pytest.raises(ImageTooLarge) as refused:
        PillowCodec().encode(lying, BOX, limits)
    assert refused.value.actual == 2048 * 2048


def test_items_that_cannot_be_read_are_damage(monkeypatch: pytest.MonkeyPatch) -> None:
    """The item structure is read with the codec's own parser, not the decoders': what it cannot
    read (a missing property association, here) is refused, not decoded another way."""
    data = images.avif(quadrants((64, 48)))
    assert heif_work(data) is not None
    assert heif_work(data.replace(b"ipma", b"ipmx", 1)) is None
    monkeypatch.setattr(costs, "heif_work", lambda data: None)
    with pytest.raises(InvalidImage) as refused:
        PillowCodec().encode(data, BOX, LIMITS)
    assert refused.value.detail == "its items could not be read"


@settings(max_examples=200, derandomize=True, deadline=None)
@given(cut=st.integers(min_value=0, max_value=4000), flips=st.lists(st.integers(0, 3999)))
def test_mending_an_avif_never_raises_nor_moves_a_byte(cut: int, flips: list[int]) -> None:
    """Whatever a file's items say, the AVIF mend answers, and keeps every offset true: the
    same length, and nothing after the meta box touched."""
    data = bytearray(PLUM[:cut])
    for at in flips:
        if at < len(data):
            data[at] ^= 0x55
    got = avif_mended(bytes(data))
    assert len(got) == len(data)
    meta_end = 32 + int.from_bytes(PLUM[32:36], "big")  # after the 32-byte ftyp
    assert got[meta_end:] == data[meta_end:]


def padding(size: int) -> bytes:
    """An AV1 padding unit (OBU type 15, with a size field) of ``size`` < 128 bytes."""
    return bytes([15 << 3 | 2, size]) + bytes(size)


def test_the_av1_frame_size_is_found_past_padding_or_the_file_is_refused() -> None:
    """Padding and metadata units before the sequence header are passed over (a crafted file
    put them there to hide a 100 MP frame behind a 64 x 64 label); where no header is found in
    what is read, the cost cannot be told and the file is refused, not left to libavif."""
    data = images.avif(Image.new("RGB", (2048, 2048), (90, 90, 90)))
    start, length = images.heif_item_extent(data, 1)
    coded = data[start : start + length]
    assert av1_frame_pixels(coded) == 2048 * 2048
    assert av1_frame_pixels(padding(100) * 20 + coded) == 2048 * 2048
    assert av1_frame_pixels((padding(100) * 50 + coded)[:HEADER_BYTES]) is None
    assert av1_frame_pixels(b"") is None


HOST = """
import json, sys
import pillow_heif
from PIL import Image

def state():
    options = pillow_heif.options
    flags = (options.THUMBNAILS, options.DEPTH_IMAGES, options.AUX_IMAGES)
    return {"decoders": sorted(Image.OPEN), "options": list(flags)}

Image.init()
before = state()
from imagecore import Box, ImageLimits
from imagecore.adapters.pillow_codec import PillowCodec

image = PillowCodec().encode(sys.stdin.buffer.read(), Box(10, 10), ImageLimits())
print(json.dumps({"before": before, "after": state(), "stored": image.media_type}))
"""


def test_decoding_a_heic_leaves_the_host_s_pillow_and_pillow_heif_as_they_were() -> None:
    """In a host's own process (no isolation), the codec decodes a HEIC without registering a
    decoder with Pillow or changing pillow_heif's options: a host's Image.open and its own use
    of pillow_heif behave as before."""
    done = subprocess.run(
        [sys.executable, "-c", HOST],
        input=images.heic(quadrants((300, 200))),
        capture_output=True,
        timeout=120,
        check=True,
    )
    found = json.loads(done.stdout)
    assert found["stored"] == "image/jpeg"
    assert found["after"] == found["before"]
    assert "HEIF" not in found["after"]["decoders"]
