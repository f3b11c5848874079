"""Refusals that say what was sent: a recognised format is named, a 12-bit JPEG or an image
sequence says what is unsupported about it, and only bytes that are no image get "not an image"."""

from __future__ import annotations

import io
import random
import struct
import zipfile
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, UnidentifiedImageError

from imagecore import Box, ImageLimits
from imagecore.adapters.pillow_codec import ACCEPTED, PillowCodec
from imagecore.adapters.pillow_codec.jpeg_segments import jpeg_precision
from imagecore.adapters.pillow_codec.sniff import refusal
from imagecore.rejections import InvalidImage, UnsupportedImageType
from tests import images

BOX = Box(800, 800)
LIMITS = ImageLimits()
#: The footer a version 2 TGA ends with: two offsets, then the signature.
TGA_FOOTER_SIZE = 26


@pytest.fixture
def codec() -> PillowCodec:
    return PillowCodec()


def saved(format_name: str, image: Image.Image | None = None, **options: object) -> bytes:
    """A real file as Pillow writes it."""
    out = io.BytesIO()
    (image or images.two_colours()).save(out, format_name, **options)
    return out.getvalue()


def animation(format_name: str) -> bytes:
    """Three frames saved as one file."""
    frames = [Image.new("RGB", (12, 8), (80 * n, 0, 0)) for n in range(3)]
    return saved(format_name, frames[0], save_all=True, append_images=frames[1:])


def jpeg_with_precision(bits: int, *, progressive: bool = False) -> bytes:
    """A JPEG from Pillow whose frame header says ``bits`` per sample (Pillow writes only 8)."""
    data = bytearray(saved("JPEG", progressive=progressive))
    frame = data.find(b"\xff\xc2" if progressive else b"\xff\xc0")
    data[frame + 4] = bits  # after the marker and the two bytes of the segment's length
    return bytes(data)


def lossless_jpeg(bits: int) -> bytes:
    """A lossless (SOF3) 8x8 greyscale JPEG of ``bits`` per sample, every sample at mid-grey."""

    def segment(marker: int, body: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body

    huffman = segment(0xC4, bytes([0x00, 1, *[0] * 15, 0]))  # one code: difference 0
    frame = segment(0xC3, bytes([bits]) + struct.pack(">HH", 8, 8) + bytes([1, 1, 0x11, 0]))
    scan = segment(0xDA, bytes([1, 1, 0x00, 1, 0, 0]))  # predictor 1
    return b"\xff\xd8" + huffman + frame + scan + bytes(8) + b"\xff\xd9"


def iso_media(major: bytes, *compatible: bytes) -> bytes:
    """An ISO media file (HEIF, AVIF): its ftyp box with these brands, then an empty meta box."""
    brands = major + bytes(4) + b"".join(compatible)
    return (
        struct.pack(">I", 8 + len(brands)) + b"ftyp" + brands + b"\x00\x00\x00\x0cmeta" + bytes(4)
    )


def tga_version_1(image: Image.Image | None = None, **options: object) -> bytes:
    """A TGA as Pillow writes it, without the version 2 footer: nothing but a header and pixels."""
    data = saved("TGA", image, **options)
    assert data.endswith(b"TRUEVISION-XFILE.\x00")
    return data[:-TGA_FOOTER_SIZE]


def icon() -> bytes:
    """A Windows icon as Pillow writes it (a PNG in an icon directory)."""
    return saved("ICO", images.two_colours(size=(16, 16)), sizes=[(16, 16)])


def cursor() -> bytes:
    """A Windows cursor: an icon directory of type 2."""
    data = bytearray(icon())
    data[2] = 2
    return bytes(data)


def zip_archive() -> bytes:
    """A real ZIP archive holding one PNG."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("photo.png", saved("PNG"))
    return out.getvalue()


PSD = b"8BPS\x00\x01" + bytes(6) + struct.pack(">HIIHH", 3, 8, 12, 8, 3) + bytes(64)
PAM = b"P7\nWIDTH 2\nHEIGHT 1\nDEPTH 3\nMAXVAL 255\nTUPLTYPE RGB\nENDHDR\n" + bytes(6)

#: id -> (the bytes, what the refusal must name them).
RECOGNISED: dict[str, tuple[Callable[[], bytes], str]] = {
    "JPEG 2000 (JP2)": (lambda: saved("JPEG2000"), "JPEG 2000"),
    "JPEG 2000 codestream": (lambda: saved("JPEG2000", no_jp2=True), "JPEG 2000"),
    "PBM (binary)": (lambda: saved("PPM", images.two_colours("1")), "PBM"),
    "PBM (plain)": (lambda: b"P1\n# a comment\n2 2\n0 1\n1 0\n", "PBM"),
    "PGM (binary)": (lambda: saved("PPM", images.two_colours("L")), "PGM"),
    "PGM (plain)": (lambda: b"P2 2 1 255 0 255\n", "PGM"),
    "PPM (binary)": (lambda: saved("PPM"), "PPM"),
    "PPM (plain)": (lambda: b"P3\n1 1\n255\n255 0 0\n", "PPM"),
    "PAM": (lambda: PAM, "PAM"),
    "PFM": (lambda: saved("PPM", images.two_colours("F")), "PFM"),
    "QOI": (lambda: saved("QOI"), "QOI"),
    "TGA version 2": (lambda: saved("TGA"), "TGA"),
    "TGA version 2, run-length encoded": (lambda: saved("TGA", compression="tga_rle"), "TGA"),
    "TGA version 1": (tga_version_1, "TGA"),
    "TGA version 1, greyscale": (lambda: tga_version_1(image=images.two_colours("L")), "TGA"),
    "TGA version 1, run-length encoded": (lambda: tga_version_1(compression="tga_rle"), "TGA"),
    "12-bit JPEG": (lambda: jpeg_with_precision(12), "12-bit JPEG"),
    "12-bit progressive JPEG": (lambda: jpeg_with_precision(12, progressive=True), "12-bit JPEG"),
    "12-bit lossless JPEG": (lambda: lossless_jpeg(12), "12-bit JPEG"),
    "16-bit lossless JPEG": (lambda: lossless_jpeg(16), "16-bit JPEG"),
    "AVIF image sequence": (lambda: animation("AVIF"), "AVIF image sequence"),
    "HEIC image sequence": (lambda: iso_media(b"hevc", b"msf1", b"hevc"), "HEIC image sequence"),
    "HEIC sequence under msf1": (
        lambda: iso_media(b"msf1", b"msf1", b"hevc"),
        "HEIC image sequence",
    ),
    "HEIF image sequence": (lambda: iso_media(b"msf1", b"msf1", b"iso8"), "HEIF image sequence"),
    "JPEG XL container": (lambda: b"\x00\x00\x00\x0cJXL \r\n\x87\n" + bytes(32), "JPEG XL"),
    "JPEG XL codestream": (lambda: b"\xff\x0a\xfa\x7f\x01\x90\x08" + bytes(32), "JPEG XL"),
    "BMP": (lambda: saved("BMP"), "BMP"),
    "TIFF": (lambda: saved("TIFF"), "TIFF"),
    "BigTIFF": (lambda: saved("TIFF", big_tiff=True), "TIFF"),
    "PSD": (lambda: PSD, "PSD"),
    "ICO": (icon, "ICO"),
    "CUR": (cursor, "CUR"),
    "SVG": (lambda: b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>', "SVG"),
    "SVG after a BOM, a declaration, a comment and a doctype": (
        lambda: (
            b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- Generator: an editor -->\n'
            b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "svg11.dtd">\n<svg:svg/>'
        ),
        "SVG",
    ),
    "HTML": (lambda: b"<!DOCTYPE html><html><body><img src=x></body></html>", "HTML"),
    "HTML without a doctype": (lambda: b"\n  <html lang='en'><svg/></html>", "HTML"),
    "PDF": (lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj", "PDF"),
    "PostScript": (lambda: b"%!PS-Adobe-3.0\n/Times findfont\nshowpage\n", "PostScript"),
    "EPS": (lambda: b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 1 1\n", "PostScript"),
    "EPS with a preview": (lambda: b"\xc5\xd0\xd3\xc6\x1e\x00\x00\x00" + bytes(24), "EPS"),
    "ZIP": (zip_archive, "ZIP"),
    "Farbfeld": (lambda: b"farbfeld" + struct.pack(">II", 1, 1) + bytes(8), "Farbfeld"),
    "DDS": (lambda: saved("DDS"), "DDS"),
    "OpenEXR": (lambda: b"v/1\x01\x02\x00\x00\x00channels\x00chlist\x00" + bytes(16), "OpenEXR"),
    "Radiance HDR": (
        lambda: b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 1 +X 1\n\x80\x80\x80\x80",
        "Radiance HDR",
    ),
    "GIMP XCF": (lambda: b"gimp xcf v011\x00" + struct.pack(">III", 1, 1, 0), "GIMP XCF"),
    "PCX": (lambda: saved("PCX"), "PCX"),
}


@pytest.mark.parametrize(("make", "detected"), RECOGNISED.values(), ids=RECOGNISED.keys())
def test_a_recognised_format_is_refused_by_its_name(
    codec: PillowCodec, make: Callable[[], bytes], detected: str
) -> None:
    """A file of a format we do not accept is refused with that format's name and our list."""
    with pytest.raises(UnsupportedImageType) as refused:
        codec.encode(make(), BOX, LIMITS)
    assert (refused.value.detected, refused.value.accepted) == (detected, ACCEPTED)


#: id -> the header of an accepted ISO media format, with no image after it.
EMPTY_ISO_MEDIA = {
    "AVIF under a generic major brand": iso_media(b"mif1", b"avif", b"miaf"),
    "HEIC": iso_media(b"heic", b"mif1", b"heic"),
    "HEIC, 10-bit": iso_media(b"heix", b"mif1", b"heix"),
    "HEIC, scalable still": iso_media(b"heis", b"mif1", b"heis"),
    "HEIF": iso_media(b"mif1", b"mif1"),
}


@pytest.mark.parametrize("data", EMPTY_ISO_MEDIA.values(), ids=EMPTY_ISO_MEDIA.keys())
def test_an_accepted_format_s_header_without_an_image_is_damaged(
    codec: PillowCodec, data: bytes
) -> None:
    """AVIF and HEIC are accepted: a file that names them but holds no image is damaged, not
    a format we do not take."""
    with pytest.raises(InvalidImage, match="damaged"):
        codec.encode(data, BOX, LIMITS)


#: id -> bytes that are no image at all.
NOT_IMAGES: dict[str, bytes] = {
    "plain text": b"Dear recruiter,\nplease find my photo attached.\n",
    "text that starts like a PBM": b"P1 is the first priority; P2 the second.\n",
    "markup that is neither SVG nor HTML": b"<?xml version='1.0'?><feed><entry/></feed>",
    "random bytes": random.Random(7).randbytes(4096),
    "zero bytes, a TGA header's worth": bytes(18),
    "zero bytes, more": bytes(1000),
    "an ftyp box with no brand": b"\x00\x00\x00\x08ftyp",
    "a netpbm magic and nothing more": b"P6\n",
    "a QOI magic and nothing more": b"qoif",
    "a BMP magic and nothing more": b"BM",
    "an icon directory with no entry": b"\x00\x00\x01\x00\x00\x00" + bytes(16),
    "a PCX magic and nothing more": b"\x0a\x05\x01\x08",
    "a JPEG 2000 signature cut short": b"\x00\x00\x00\x0cjP  ",
    "a TGA header with no pixels": tga_version_1()[:18],
    "a TGA header with half its pixels": (lambda d: d[: len(d) // 2])(tga_version_1()),
}


@pytest.mark.parametrize("data", NOT_IMAGES.values(), ids=NOT_IMAGES.keys())
def test_bytes_that_are_no_image_are_not_an_image(codec: PillowCodec, data: bytes) -> None:
    """Text, noise and headers with nothing behind them are refused as "not an image"."""
    with pytest.raises(InvalidImage) as refused:
        codec.encode(data, BOX, LIMITS)
    assert (refused.value.reason, refused.value.accepted) == ("not an image", ACCEPTED)


def test_pillow_does_not_open_a_12_bit_jpeg() -> None:
    """Pillow refuses a 12-bit JPEG's frame header at open, so it is named by its header alone;
    were a Pillow to open it, the codec would have to name it where decoding fails."""
    with pytest.raises(UnidentifiedImageError):
        Image.open(io.BytesIO(jpeg_with_precision(12)), formats=["JPEG"])


def test_pillow_decodes_an_8_bit_lossless_jpeg(codec: PillowCodec) -> None:
    """Lossless JPEG at 8 bits is decoded (libjpeg-turbo 3), so only the precision is refused."""
    assert codec.encode(lossless_jpeg(8), BOX, LIMITS).extension == "jpg"


@pytest.mark.parametrize(
    ("data", "bits"),
    [
        (saved("JPEG"), 8),
        (saved("JPEG", progressive=True), 8),
        (saved("JPEG", images.two_colours("L")), 8),
        (saved("JPEG", exif=b"Exif\x00\x00" + bytes(60000)), 8),
        (jpeg_with_precision(12), 12),
        (lossless_jpeg(16), 16),
        # Fill bytes before a marker, and junk between segments, as some writers leave them.
        (b"\xff\xd8\xff\xff\xff\xe0\x00\x04ab junk\xff\xc0\x00\x0b\x0c\x00\x01", 12),
    ],
    ids=["baseline", "progressive", "greyscale", "60 KB of EXIF", "12-bit", "16-bit", "fill"],
)
def test_jpeg_precision_is_read_from_the_frame_header(data: bytes, bits: int) -> None:
    """The precision is the first frame header's, wherever the segments before it put it."""
    assert jpeg_precision(data) == bits


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff\xd8",
        b"\x89PNG\r\n\x1a\n",
        b"\xff\xd8\xff\xc0\x00",  # a frame header cut short
        b"\xff\xd8\xff\xe0\x00\x00\xff\xc0\x00\x0b\x0c",  # a segment shorter than its length
        b"\xff\xd8\xff\xe0\x00\x01\xff\xc0\x00\x0b\x0c",
        b"\xff\xd8\xff\xda\x00\x08\xff\xc0\x00\x0b\x0c",  # a scan before any frame
        b"\xff\xd8\xff\xd9\xff\xc0\x00\x0b\x0c",  # the image ends before any frame
        b"\xff\xd8\xff\xe1\xff\xff" + bytes(100),  # a segment longer than the file
        b"\xff\xd8" + b"\xff" * 1_000_000,  # nothing but fill bytes
        b"\xff\xd8" + b"\xff\xd0" * 500_000,  # nothing but restart markers
    ],
    ids=[
        "empty",
        "only SOI",
        "a PNG",
        "frame header cut",
        "length 0",
        "length 1",
        "scan first",
        "EOI first",
        "segment past the end",
        "fill bytes",
        "restart markers",
    ],
)
def test_jpeg_precision_is_none_without_a_frame_header(data: bytes) -> None:
    """No JPEG, a truncated one, or one whose segments lie about their length has no precision."""
    assert jpeg_precision(data) is None


def test_every_cut_of_a_12_bit_jpeg_reads_12_or_nothing() -> None:
    """A 12-bit JPEG cut anywhere reads as 12 bits once its frame header is in, else as none."""
    data = jpeg_with_precision(12)
    frame_end = data.find(b"\xff\xc0") + 5
    for end in range(len(data) + 1):
        assert jpeg_precision(data[:end]) == (12 if end >= frame_end else None)


@settings(derandomize=True, max_examples=500, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.binary(max_size=300).map(lambda tail: b"\xff\xd8" + tail),
        st.binary(max_size=64).map(lambda tail: b"\xff\xd8\xff" + tail.replace(b"\x00", b"\xff")),
        st.integers(0, 400).map(lambda cut: jpeg_with_precision(12)[:cut]),
    )
)
def test_sniffing_never_raises(data: bytes) -> None:
    """Whatever the bytes, sniffing answers with a refusal and the JPEG walk with a number or
    nothing: no exception, no endless loop."""
    assert isinstance(refusal(data, ACCEPTED), InvalidImage | UnsupportedImageType)
    assert jpeg_precision(data) in (None, *range(256))
