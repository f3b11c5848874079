"""A JPEG decoded once, and checked as it decodes; its segments walked before it is.

libjpeg-turbo (through simplejpeg) decodes at the reduced scale the box allows, with its warnings
made errors: data that ends early, or bytes the decoder had to skip, is damage. Pillow's own JPEG
decoder ignores those warnings, so checking them apart cost a second decode of every upload (a
third of the codec's time on a phone's photo).
"""

from __future__ import annotations

import io
import re
import struct
from collections.abc import Iterator

import simplejpeg
from PIL import Image

JPEG_SIGNATURE = b"\xff\xd8\xff"
#: Pillow's modes for JPEGs and what libjpeg-turbo decodes them to; others (CMYK) go to Pillow.
COLOURSPACES = {"RGB": "RGB", "L": "GRAY"}


class JpegDamaged(Exception):
    """The JPEG's data is damaged; the message says how, in a few words."""


def decode(data: bytes, mode: str, size: tuple[int, int], scale: int) -> Image.Image | None:
    """The picture of ``data``, a ``size`` JPEG that Pillow opened as ``mode``, decoded at
    1/``scale``; None when libjpeg-turbo cannot give it (a CMYK JPEG, or one whose colour sampling
    its API has no name for), for Pillow to decode.

    Raises :class:`JpegDamaged` when the data is damaged.
    """
    colourspace = COLOURSPACES.get(mode)
    if colourspace is None:
        return None
    width, height = -(-size[0] // scale), -(-size[1] // scale)
    try:
        # The smallest of libjpeg's scales giving at least this size: 1/scale itself.
        pixels = simplejpeg.decode_jpeg(
            data, colourspace, strict=True, min_width=width, min_height=height
        )
    except ValueError as error:
        broken = jpeg_wording(error)
        if broken is None:
            return None  # not damage: Pillow's decoder will say what it cannot do
        raise JpegDamaged(broken) from None
    except Exception:
        raise JpegDamaged("it could not be read") from None
    if pixels.shape[:2] != (height, width):
        return None  # a scale libjpeg-turbo would not pick: Pillow's draft will
    # Pillow shares a grey array's memory; RGB it copies into its own layout (four bytes a
    # pixel), and the array goes when this returns.
    return Image.frombuffer(mode, (width, height), pixels, "raw", mode, 0, 1)


#: TurboJPEG's complaint at a colour sampling it has no name for (luma sampled 1x3, say): its
#: API, which simplejpeg calls, stops there, though libjpeg decodes such a file as browsers do.
_UNNAMED_SAMPLING = "Could not determine subsampling level"
#: The name of the TurboJPEG function that passed a complaint on ("tjDecompress2(): ..."):
#: nothing a person sending a picture should read.
_FUNCTION_NAME = re.compile(r"\b\w+\(\):\s*")


def jpeg_damage(data: bytes) -> str | None:
    """Decoded at an eighth of its size with libjpeg's warnings made errors: data that ends
    early, or bytes the decoder had to skip, is damage. A JPEG whose colour sampling TurboJPEG
    cannot name is checked by another way (see _scan_damage)."""
    try:
        simplejpeg.decode_jpeg(data, strict=True, min_width=1, min_height=1)
    except ValueError as error:
        if _UNNAMED_SAMPLING in str(error):
            return _scan_damage(data)
        return jpeg_wording(error)
    except Exception:
        return "it could not be read"
    return None


def jpeg_wording(error: ValueError) -> str | None:
    """libjpeg's complaint, as the error message's detail, without the name of any function that
    passed it on; None when it is not damage but something the decoder lacks: a feature (the
    decoder itself will say what it cannot do), or a name for the file's colour sampling (Pillow
    decodes it, after jpeg_damage has checked it)."""
    message = _FUNCTION_NAME.sub("", str(error)).strip().rstrip(".")
    if "Unsupported" in message or "unsupported" in message or _UNNAMED_SAMPLING in message:
        return None
    return message[:1].lower() + message[1:]


#: What follows the scan data handed to Pillow in _scan_damage: libjpeg-turbo refills its bit
#: buffer to 57 bits (25 where the buffer is 32 bits wide), so it reads at most eight bytes past
#: the last bit it decodes. Zeros are never a marker, and make a stuffed data byte of a 0xFF a
#: cut may have left at the end.
_FILLER = bytes(8)


#: _scan_damage's answer for a JPEG of several scans, which it cannot check: not damage, a kind
#: of file the codec does not take.
UNCHECKABLE_SAMPLING = "JPEG of several scans with an unusual colour sampling"


def _scan_damage(data: bytes) -> str | None:
    """Whether a JPEG's one scan holds all the data its picture needs, asked of Pillow's libjpeg,
    which decodes any colour sampling but drops every warning.

    The scan's data goes without what follows it (the end-of-image marker above all), then
    _FILLER. Whole, it gives libjpeg every block before it reads past the filler, and Pillow the
    picture (at an eighth of its size: the data is decoded whole at any scale). Ending early (a
    file cut, or cut and closed), it has libjpeg decode the filler as data and ask for more,
    and Pillow calls the file truncated. The gaps: a scan that lost only its last few bytes (up
    to a few dozen in the files tried), whose blocks the filler's zeros complete, passes, its
    last blocks decoded as libjpeg decodes the file itself, from zero bits; and bits changed
    inside the scan pass as often as not, Pillow dropping the warnings that would tell.

    Only a JPEG of one scan can be asked this way: libjpeg reads a file of several up to its
    end-of-image marker before it gives a row. Such a file is refused.
    """
    if (jpeg_scans(data) or 0) > 1:
        return UNCHECKABLE_SAMPLING
    start = next((at for marker, at in _jpeg_segments(data) if marker == 0xDA), len(data))
    header_end = start + 2 + int.from_bytes(data[start + 2 : start + 4], "big")
    if header_end > len(data):
        return "the file ends before its image data"
    after = _SCAN_END.search(data, header_end)
    probe = data[: after.start() if after else len(data)] + _FILLER
    try:
        with Image.open(io.BytesIO(probe), formats=["JPEG"]) as image:
            image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
            image.load()
    except OSError:
        return "its image data ends before the picture does"
    except Exception:
        return "it could not be read"
    return None


#: Start-of-frame markers: SOF0 to SOF15 but for DHT (C4), JPG (C8) and DAC (CC).
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def jpeg_size(data: bytes) -> tuple[int, int]:
    """A JPEG's width and height as its frame header declares them ((0, 0) if none is found
    before its first scan): read before anything decodes it."""
    for marker, at in _jpeg_segments(data):
        if marker in _SOF and at + 9 <= len(data):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return int(width), int(height)
    return 0, 0


def jpeg_scans(data: bytes) -> int | None:
    """How many scans a JPEG holds: the start-of-scan markers from the first one on (before it,
    an EXIF thumbnail may hold markers of its own; within scan data a 0xFF is always followed by
    0x00 or a restart marker, so a start-of-scan marker there is a real one). None when the
    segments do not lead to a first scan (the file ends first, or holds more segments before
    it than a JPEG has): the count cannot be told, and the file is refused, not waved on."""
    for marker, at in _jpeg_segments(data):
        if marker == 0xDA:
            return data.count(b"\xff\xda", at)
    return None


def _jpeg_segments(data: bytes) -> Iterator[tuple[int, int]]:
    """Each segment's marker and where it starts, up to and including the first scan's."""
    at = 2
    for _ in range(1000):  # a real JPEG reaches its first scan within a few dozen segments
        at = data.find(b"\xff", at)
        while 0 <= at < len(data) - 1 and data[at + 1] == 0xFF:
            at += 1
        if at < 0 or at + 4 > len(data):
            return
        marker = data[at + 1]
        yield marker, at
        if marker == 0xDA:
            return
        if marker in (0x01, *range(0xD0, 0xD9)):
            at += 2
        else:
            at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")


#: A marker as libjpeg finds the next one after a segment: 0xFF, then a code that is neither a
#: stuffed zero nor another 0xFF (any number of 0xFF may come before a marker).
_MARKER = re.compile(rb"\xff[^\x00\xff]")
#: The marker that ends a scan's entropy-coded data, within which 0xFF comes before a stuffed
#: zero, another 0xFF, or a restart marker (0xD0 to 0xD7).
_SCAN_END = re.compile(rb"\xff[^\x00\xff\xd0-\xd7]")
#: A real JPEG has a few dozen segments before its first scan, and a progressive one a few dozen
#: scans after it: a walk that meets more gives up.
_MOST_SEGMENTS = 1000
_PARAMETERLESS = frozenset({0x01, *range(0xD0, 0xD8)})
ICC_SIGNATURE = b"ICC_PROFILE\x00"


def jpeg_mended(data: bytes) -> bytes:
    """The JPEG as libjpeg reads its header, with the bytes it passes over there dropped.

    Before the first start-of-scan, libjpeg looks for each marker past whatever lies between it
    and the segment before: bytes a tool left there, or the rest of a segment whose declared
    length falls short. It warns of "extraneous bytes" and decodes the picture Pillow and
    Chromium show; dropped here, those bytes no longer make the strict decode, which takes the
    warning for an error, refuse the same picture. ICC profile segments are kept as Chromium
    assembles them (see _icc_left_out) and the others dropped: libjpeg-turbo calls a set it
    cannot assemble (a part repeated after the frame header, say) bogus, where Chromium shows
    the picture with the profile it read, or with none.

    The line between whole and damaged is the first start-of-scan. Bytes a decoder skips after
    it lie inside or after entropy-coded data, and mean that data went wrong (a file cut, cut
    and closed, half downloaded): they are left for the strict decode to refuse. So is a file
    whose markers cannot be followed from its start to its end-of-image marker (cut short, a
    length past the end, a second start-of-image, more than _MOST_SEGMENTS): ``data`` itself
    comes back, as when there is nothing to drop. Regular expressions find each marker, so the
    work is one pass at most; never raises.
    """
    dropped: list[tuple[int, int]] = []
    icc: list[tuple[int, int]] = []
    at = 2
    for _ in range(_MOST_SEGMENTS):
        found = _MARKER.search(data, at)
        if found is None:
            return data
        start = found.start()
        if data[at:start].strip(b"\xff"):  # more than fill before the marker
            dropped.append((at, start))
        code = data[start + 1]
        if code == 0xDA:
            break
        end = start + 2
        if code not in _PARAMETERLESS:
            end += int.from_bytes(data[start + 2 : start + 4], "big")
            if code in (0xD8, 0xD9) or not start + 4 <= end <= len(data):
                return data  # libjpeg stops here: no picture to mend
            if code == 0xE2 and data[start + 4 : start + 16] == ICC_SIGNATURE:
                icc.append((start, end))
        at = end
    else:
        return data
    dropped += _icc_left_out(data, icc)
    if not dropped or not _reaches_end(data, start):
        return data
    dropped.sort()
    view = memoryview(data)
    starts, ends = (0, *(end for _, end in dropped)), (*(begin for begin, _ in dropped), len(data))
    return b"".join(view[begin:end] for begin, end in zip(starts, ends, strict=True))


def _icc_left_out(data: bytes, segments: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The ICC profile segments Chromium leaves out of the profile it assembles; all of them when
    it assembles none.

    As Chromium reads them (Skia's JPEG metadata decoder), a segment too short to hold any of the
    profile is passed over; parts are taken, in any order, until there are as many as the first
    one counts; and no profile is assembled when a part is numbered 0 or past its count, counts
    differently from the first, comes twice before the set is whole, or is missing.
    """
    parts: dict[int, tuple[int, int]] = {}
    count = 0
    for start, end in segments:
        if end - start <= 4 + len(ICC_SIGNATURE) + 2:
            continue
        index, total = data[start + 16], data[start + 17]
        if not 0 < index <= total or total != (count or total) or index in parts:
            parts = {}
            break
        count = total
        parts[index] = (start, end)
        if len(parts) == count:
            break
    read = set(parts.values()) if len(parts) == count else set()
    return [segment for segment in segments if segment not in read]


def _reaches_end(data: bytes, at: int) -> bool:
    """Whether the markers from the start-of-scan at ``at`` lead, past each scan's data and each
    segment, to an end-of-image marker within _MOST_SEGMENTS."""
    for _ in range(_MOST_SEGMENTS):
        code = data[at + 1]
        if code == 0xD9:
            return True
        end = at + 2
        if code not in _PARAMETERLESS:
            end += int.from_bytes(data[at + 2 : at + 4], "big")
            if code == 0xD8 or not at + 4 <= end <= len(data):
                return False
        found = _SCAN_END.search(data, end)
        if found is None:
            return False
        at = found.start()
    return False
